import { RtcpReader, type ReportBlock, type RtcpVisitor } from '../rtcp/index.js';
import type { Rng } from '../plan/rng.js';
import { DueHeap } from './due-heap.js';
import type { SenderSession } from './sender-session.js';
import type { SenderStreamReport } from './sender-stats.js';

/** Sends one RTCP compound for a participant (its bytes are `buffer[0..length)`), through the network path. */
export type ControlOutput = (participantSlot: number, buffer: Buffer, length: number, nowMs: number) => void;

/**
 * The feedback loop of one engine's sending streams: routes every RTCP packet a participant's
 * transport receives to the stream it is about (by media SSRC), and sends each stream's SRs when
 * due from one heap (no timer per stream). Called from the engine's tick and transports' receive
 * callbacks; reading RTCP allocates nothing.
 */
export class SenderFeedback implements RtcpVisitor {
  private readonly sessions: SenderSession[] = [];
  private readonly bySsrc = new Map<number, SenderSession>();
  private readonly reports = new DueHeap();
  private readonly reader = new RtcpReader();
  /** Set for the duration of one `handleRtcp`: who received it and when. */
  private slot = -1;
  private nowMs = 0;
  private epochMs = 0;
  private nackTarget: SenderSession | null = null;
  /** The reader's packet count at the NACK message `nackTarget` is for (-1: none yet in this datagram). */
  private nackPacket = -1;
  /** RTCP datagrams that were malformed, and feedback about SSRCs this engine does not send. */
  malformed = 0;
  unknownSsrc = 0;

  constructor(
    private readonly output: ControlOutput,
    private readonly reportIntervalMs: number,
    private readonly rng: Rng,
  ) {}

  /** Registers a stream; its first SR is due half a drawn interval (0.25..0.75 of the mean) after its first packet. */
  add(session: SenderSession, firstPacketMs: number): void {
    const id = this.sessions.length;
    this.sessions.push(session);
    this.bySsrc.set(session.ssrc >>> 0, session);
    if (this.reportIntervalMs > 0) {
      session.nextReportMs = firstPacketMs + this.drawIntervalMs() / 2;
      this.reports.push(session.nextReportMs, id);
    }
  }

  /** The session sending `ssrc`, if this engine has one. */
  session(ssrc: number): SenderSession | undefined {
    return this.bySsrc.get(ssrc >>> 0);
  }

  /** RFC 3550 6.3.1: each interval is the mean times a uniform draw from [0.5, 1.5). */
  private drawIntervalMs(): number {
    return this.reportIntervalMs * (0.5 + this.rng.next());
  }

  /** Sends every SR due at or before `nowMs`; returns when the next one is due (Infinity if none). */
  tick(nowMs: number, epochMs: number): number {
    for (let id = this.reports.popDue(nowMs); id >= 0; id = this.reports.popDue(nowMs)) {
      const session = this.sessions[id];
      const length = session.buildReport(nowMs, epochMs);
      this.output(session.participantSlot, session.reporter.buffer, length, nowMs);
      session.nextReportMs = nowMs + this.drawIntervalMs();
      this.reports.push(session.nextReportMs, id);
    }
    return this.reports.peekDueMs();
  }

  /** One RTCP datagram received by participant `participantSlot`'s transport. */
  handleRtcp(participantSlot: number, buf: Uint8Array, length: number, nowMs: number, epochMs: number): void {
    this.slot = participantSlot;
    this.nowMs = nowMs;
    this.epochMs = epochMs;
    this.nackTarget = null;
    this.nackPacket = -1;
    if (this.reader.read(buf, length, this) !== null) this.malformed++;
  }

  private target(ssrc: number): SenderSession | null {
    const session = this.bySsrc.get(ssrc >>> 0);
    // Feedback reaches a participant on its own 5-tuple; anything about another's stream is foreign.
    if (!session || session.participantSlot !== this.slot) {
      this.unknownSsrc++;
      return null;
    }
    return session;
  }

  nack(_sender: number, mediaSsrc: number, pid: number, blp: number): void {
    // The reader reports each FCI entry; a NACK message (W3C nackCount) is one RTPFB packet, so it
    // is counted (and routed) at its first entry: the reader's packet count tells packets apart.
    if (this.reader.packets !== this.nackPacket) {
      this.nackPacket = this.reader.packets;
      this.nackTarget = this.target(mediaSsrc);
      this.nackTarget?.onNackMessage(this.nowMs);
    }
    this.nackTarget?.onNackEntry(pid, blp, this.nowMs, this.epochMs);
  }

  pli(_sender: number, mediaSsrc: number): void {
    this.target(mediaSsrc)?.keyframe?.onPli(this.nowMs);
  }

  fir(sender: number, targetSsrc: number, sequenceNumber: number): void {
    this.target(targetSsrc)?.keyframe?.onFir(sender, sequenceNumber, this.nowMs);
  }

  reportBlock(_reporter: number, block: Readonly<ReportBlock>): void {
    this.target(block.ssrc)?.onReportBlock(block, this.nowMs, this.epochMs);
  }

  remb(_sender: number, bitrateBps: number, buf: Uint8Array, ssrcOffset: number, ssrcCount: number): void {
    for (let i = 0; i < ssrcCount; i++) {
      const at = ssrcOffset + 4 * i;
      const ssrc = ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
      this.target(ssrc)?.onRemb(bitrateBps, this.nowMs);
    }
  }

  /** Every stream's figures, for the engine's final report. */
  report(windowCount?: number): SenderStreamReport[] {
    return this.sessions.map((s) => s.stats.report(windowCount));
  }
}
