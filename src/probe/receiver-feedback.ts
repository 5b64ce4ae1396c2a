import type { Rng } from '../plan/rng.js';
import {
  emptyReportBlock,
  nackBytes,
  nackEntryCount,
  RtcpReader,
  sdesCnameBytes,
  rembBytes,
  writeNack,
  writePli,
  writeRemb,
  writeReceiverReport,
  writeSdesCname,
  type RtcpVisitor,
} from '../rtcp/index.js';
import { DueHeap } from '../session/index.js';
import type { FeedbackSink, ReceiverSession } from './receiver-session.js';

/** The largest compound the probe writes: RR with one block + SDES + a NACK of 64 numbers. */
const COMPOUND_BYTES = 1500;

/**
 * The probe's side of the feedback loop for all its streams: sends each stream's receiver report
 * about once a second (from one due-time heap), services the streams that have NACKs, deadlines or
 * keyframe requests pending (an active list, not a scan of every stream), writes the compound RTCP
 * packets (RR + SDES CNAME, then the NACK or PLI, RFC 4585 3.1) into one reused buffer, and reads
 * the senders' RTCP (SRs for LSR/DLSR). Driven by the probe's tick; never allocates per packet.
 */
export class ReceiverFeedback implements FeedbackSink, RtcpVisitor {
  private readonly sessions: ReceiverSession[] = [];
  private readonly bySsrc = new Map<number, ReceiverSession>();
  private readonly reports = new DueHeap();
  /** Sessions with timed work: the first `activeCount` entries (the array never shrinks, so refilling it allocates nothing). */
  private readonly activeList: ReceiverSession[] = [];
  private activeCount = 0;
  private readonly reader = new RtcpReader();
  private readonly buffer = Buffer.alloc(COMPOUND_BYTES);
  private readonly block = emptyReportBlock();
  private readonly blocks = [this.block];
  private readonly cname: Buffer;
  private epochMs = 0;
  /** Counters for the report: RTCP packets sent and received, malformed ones. */
  rtcpSent = 0;
  rtcpReceived = 0;
  rtcpMalformed = 0;

  constructor(
    /** The probe's own SSRC, the sender of its reports and feedback. */
    readonly rtcpSsrc: number,
    cname: string,
    /** Mean RR interval, ms (each drawn from 0.5x..1.5x, RFC 3550 6.3.1); 0 = no reports. */
    private readonly reportIntervalMs: number,
    private readonly rng: Rng,
    /** Whether each video stream's receiver report carries a REMB (the probe's estimate of the viewer's link for that stream). */
    private readonly sendsRemb = false,
  ) {
    this.cname = Buffer.from(cname, 'utf8');
  }

  /** A new stream: its first report is due within one interval of `nowMs`. */
  add(session: ReceiverSession, nowMs: number): void {
    const id = this.sessions.length;
    this.sessions.push(session);
    this.bySsrc.set(session.ssrc >>> 0, session);
    if (this.reportIntervalMs > 0) {
      session.nextReportMs = nowMs + this.reportIntervalMs * this.rng.next();
      this.reports.push(session.nextReportMs, id);
    }
  }

  /** The session has timed work: serviced every tick until it has none. */
  activate(session: ReceiverSession): void {
    if (session.active) return;
    session.active = true;
    if (this.activeCount < this.activeList.length) this.activeList[this.activeCount] = session;
    else this.activeList.push(session);
    this.activeCount++;
  }

  /** Timed work up to `nowMs` (run-relative) / `epochMs` (wall clock). */
  tick(nowMs: number, epochMs: number): void {
    this.epochMs = epochMs;
    for (let id = this.reports.popDue(nowMs); id >= 0; id = this.reports.popDue(nowMs)) {
      const session = this.sessions[id];
      if (session.returnPath !== null) this.send(session, this.withRemb(session, this.reportHead(session), nowMs));
      session.nextReportMs = nowMs + this.reportIntervalMs * (0.5 + this.rng.next());
      this.reports.push(session.nextReportMs, id);
    }
    // Shrinking the array (`length = n`) would trim its backing store and the next activation
    // would allocate a new one: about once per video frame, as streams go idle between frames.
    const list = this.activeList;
    const count = this.activeCount;
    let write = 0;
    for (let read = 0; read < count; read++) {
      const session = list[read];
      if (session.service(nowMs, this)) list[write++] = session;
      else session.active = false;
    }
    // A session activated during the pass (from a sink callback) sits past `count`: keep it too.
    for (let read = count; read < this.activeCount; read++) list[write++] = list[read];
    this.activeCount = write;
  }

  /** RR (one block for this stream) + SDES: the head of every compound the probe sends. */
  private reportHead(session: ReceiverSession): number {
    session.fillReportBlock(this.block, this.epochMs);
    const at = writeReceiverReport(this.buffer, 0, this.rtcpSsrc, this.blocks, 1);
    return writeSdesCname(this.buffer, at, this.rtcpSsrc, this.cname);
  }

  /** Appends a REMB for a video stream after the head at `at` (when REMB is on and an estimate exists); returns the compound's length. */
  private withRemb(session: ReceiverSession, at: number, nowMs: number): number {
    if (!this.sendsRemb || session.stats.media !== 'video' || at + rembBytes(1) > this.buffer.length) return at;
    const estimate = session.rembEstimateBps(nowMs, this.block.fractionLost);
    if (estimate === null) return at;
    this.rembSsrcs[0] = session.ssrc;
    this.rembsSent++;
    return writeRemb(this.buffer, at, this.rtcpSsrc, estimate, this.rembSsrcs, 1);
  }

  /** REMBs sent (with receiver reports). */
  rembsSent = 0;
  private readonly rembSsrcs = [0];

  sendNack(session: ReceiverSession, seqs: Uint16Array, count: number): void {
    if (session.returnPath === null) return;
    let at = this.reportHead(session);
    if (at + nackBytes(nackEntryCount(seqs, count)) > this.buffer.length) return;
    at = writeNack(this.buffer, at, this.rtcpSsrc, session.ssrc, seqs, count);
    this.send(session, at);
  }

  sendPli(session: ReceiverSession): void {
    if (session.returnPath === null) return;
    const at = writePli(this.buffer, this.reportHead(session), this.rtcpSsrc, session.ssrc);
    this.send(session, at);
  }

  private send(session: ReceiverSession, length: number): void {
    session.returnPath!.send(this.buffer, length);
    this.rtcpSent++;
  }

  /** One RTCP datagram from a sender (or an SFU), received at wall time `arrivalEpochMs`. */
  handleRtcp(buf: Uint8Array, length: number, arrivalEpochMs: number): void {
    this.epochMs = arrivalEpochMs;
    this.rtcpReceived++;
    if (this.reader.read(buf, length, this) !== null) this.rtcpMalformed++;
  }

  senderReport(ssrc: number, ntpSeconds: number, ntpFraction: number): void {
    this.bySsrc.get(ssrc >>> 0)?.reception.onSenderReport(ntpSeconds, ntpFraction, this.epochMs);
  }

  /** Bytes of the head compound (for buffer sizing checks in tests). */
  static headBytes(cnameLength: number): number {
    return 8 + 24 + sdesCnameBytes(cnameLength);
  }
}
