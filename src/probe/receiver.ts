import { performance } from 'node:perf_hooks';
import type { DownlinkChaos } from '../chaos/index.js';
import type { ProbeHealthWindow } from '../health/index.js';
import { chooseIo, ioRequest, type IoChoice } from '../io/index.js';
import { createRng } from '../plan/rng.js';
import type { Endpoint, ExtensionPlan } from '../plan/types.js';
import { isRtcpPacket } from '../rtcp/index.js';
import { classifyH264Payload, createParsedRtp, parseRtp, PAYLOAD_IDR, PAYLOAD_SPS, readRid } from '../rtp/index.js';
import { readRtxOriginalSequence } from '../session/index.js';
import { udpKernelCounters } from './kernel-counters.js';
import { ProbeHealthRecorder } from './probe-health.js';
import { BatchedProbeSocket } from './batched-probe-socket.js';
import { DgramProbeSocket } from './dgram-probe-socket.js';
import { DownlinkLink, LINK_PASS } from './downlink-link.js';
import { LayerTracker, type KnownLayer } from './layer-tracker.js';
import { estimateMos } from './mos.js';
import { liveSummary, sortStreamRows, type LiveParts, type LiveStreamRow, type LiveSummary, type LiveViewerParts } from './live-summary.js';
import { PLAYOUT_MODEL } from './playout.js';
import type { DatagramSink, ProbeSocket } from './probe-socket.js';
import type { RunningProbe } from './running-probe.js';
import { ReceiverFeedback } from './receiver-feedback.js';
import { ReceiverSession, type ReceiverOptions, type ReturnPath } from './receiver-session.js';
import { StreamStats } from './stream-stats.js';
import type { ProbeReport, StreamReport } from './types.js';
import { VIEWER_FIELDS } from './viewer-stats.js';

/**
 * Receive buffer we ask for: a burst released by a jitter spike must not overflow the socket.
 * Linux silently caps it at net.core.rmem_max (the kernel's allowance), so asking high is safe.
 */
const RECEIVE_BUFFER_BYTES = 128 << 20;
/** How often the probe's feedback loop runs (NACK retries, playout deadlines, reports). */
const FEEDBACK_TICK_MS = 5;
/** What a probe does when not told otherwise: measure the wire, no viewer model, send nothing back. */
const OPEN_LOOP: ReceiverOptions = { nack: false, pli: false, jitterBuffer: false };

export interface ProbeOptions {
  /** Where to bind (port 0 = ephemeral; `address` tells the port). IPv6 when the host has a ':'. */
  listen: Endpoint;
  videoPayloadType: number;
  audioPayloadType: number;
  /** The RFC 8285 ids (or the legacy layout) of the participant-id and abs-send-time extensions. */
  extensions: ExtensionPlan;
  /** Window length, ms (default 1000). */
  windowMs?: number;
  /** Planned run length, ms: windows are preallocated for it (more grow at window boundaries). */
  expectedDurationMs?: number;
  /** SO_RCVBUF to ask for, bytes (default 128 MiB, capped by the kernel). */
  receiveBufferBytes?: number;
  /** How the probe behaves as a viewer (NACK, PLI, playout model); default: open loop, no viewer model. */
  viewer?: ReceiverOptions;
  /**
   * The probe's RTCP: its SSRC and receiver report interval (null = no reports). Without it the
   * probe sends nothing back, whatever `viewer` asks (NACK and PLI need it).
   */
  rtcp?: { ssrc: number; reportIntervalMs: number | null; remb?: boolean } | null;
  /** RTX (RFC 4588): the payload type RTX packets arrive with, and RTX SSRC -> media SSRC where known. */
  rtx?: { payloadType: number; ssrcs?: ReadonlyMap<number, number> } | null;
  /**
   * Who runs the feedback loop's timed work: the probe's own timer every few ms (default), or the
   * caller through `tickAt` (a probe driven in fake time: the hot-path benchmark, tests).
   */
  ticks?: 'timer' | 'manual';
  /**
   * The socket's I/O (`open` only): the batched layer or node:dgram, as the command chose it
   * (`chooseIo`). Default: AVCM_IO, else batched when the addon loads.
   */
  io?: IoChoice;
  /**
   * SO_REUSEPORT on the probe's socket (batched I/O only): the shards of one probe bind the same
   * port and the kernel spreads the sources over them. Default false.
   */
  reusePort?: boolean;
  /**
   * The viewer's downlink (`direction: downlink` spikes on it): media and RTX cross it before they
   * are measured, so loss, delay and bandwidth limits on the viewer's side show in every figure
   * and in the feedback the probe sends. Absent or empty: no link.
   */
  downlink?: DownlinkChaos | null;
  /** The simulcast layers (highest first, as the plan lists them): video streams then report which one they carry (`StreamReport.layers`). */
  layers?: readonly KnownLayer[] | null;
}

/** The viewer figures `live()` sums since the run start, in `LiveViewerSummary` order. */
const LIVE_VIEWER_COUNTS = [VIEWER_FIELDS.nacksSent, VIEWER_FIELDS.plisSent, VIEWER_FIELDS.retransmittedPackets, VIEWER_FIELDS.freezes, VIEWER_FIELDS.freezeMs] as const;
/**
 * How far back the playout model still writes into windows: a freeze counts in the window it
 * began (up to a pause, 5 s, earlier) and a frame settles up to its deadline after it arrived.
 * Older windows are summed once and kept (`live()` then reads only the recent ones).
 */
const VIEWER_SETTLING_MS = PLAYOUT_MODEL.PAUSE_MS + PLAYOUT_MODEL.MAX_DELAY_MS + PLAYOUT_MODEL.MAX_NACK_WAIT_MS;

/**
 * The probe: one UDP socket, packets parsed in place into one reused record, O(1) state per
 * stream keyed by SSRC, stats per window. Each stream is a `ReceiverSession`: the wire statistics
 * plus, as configured, a browser-like receiver (NACK, PLI, reports, playout model) whose RTCP goes
 * back to the stream's source. `ingest` is the pure path (tests and the WebRTC probe feed it
 * directly); the socket (batched or dgram) only timestamps datagrams and hands them over with
 * their return path.
 */
export class ProbeReceiver implements DatagramSink, RunningProbe {
  readonly address: Endpoint;
  readonly windowMs: number;
  /**
   * Streams by SSRC. Keys are `ssrc | 0` (the signed 32-bit view): an SSRC above 2^31 is a heap
   * number in V8, and looking one up would box it (an allocation per packet); an int32 key is not.
   */
  private readonly streams = new Map<number, ReceiverSession>();
  /** Video streams by participant id: where an RTX packet without a known SSRC mapping belongs. */
  private readonly videoByParticipant = new Map<number, ReceiverSession>();
  /** Every video stream, in arrival order: searched (without an iterator) for the stream an unknown RTX SSRC repairs. */
  private readonly videoSessions: ReceiverSession[] = [];
  /** RTX SSRC -> media SSRC, both as `ssrc | 0` (see `streams`). */
  private readonly rtxSsrcs = new Map<number, number>();
  private readonly parsed = createParsedRtp();
  private readonly options: ProbeOptions;
  private readonly viewer: ReceiverOptions;
  private readonly feedback: ReceiverFeedback | null;
  private readonly sendsRtcp: boolean;
  private readonly socket: ProbeSocket | null;
  private readonly rcvbufErrorsAtOpen: number | null;
  private readonly expectedWindows: number;
  private runStartEpochMs: number;
  private tickTimer: NodeJS.Timeout | null = null;
  /** Until `start`, every packet counts in window 0. */
  private runStarted = false;
  private closed = false;
  malformedPackets = 0;
  foreignPackets = 0;
  packetsReceived = 0;
  /** RTX packets whose media stream could not be found. */
  unmatchedRetransmissions = 0;
  /** `live()`'s viewer counts (LIVE_VIEWER_COUNTS) of windows old enough to no longer change, and how many windows they cover. */
  private readonly viewerSettled = new Float64Array(LIVE_VIEWER_COUNTS.length);
  private viewerSettledWindows = 0;
  /** The viewer's downlink; null without downlink spikes. */
  private readonly downlink: DownlinkLink | null;
  /** The link's release handler, bound once (not a closure per packet): a held datagram reaches the viewer. */
  private readonly releaseHeld = (buf: Uint8Array, length: number, participantId: number, returnPath: ReturnPath | null): void => {
    this.arrivalEpochMs = this.runStartEpochMs + this.downlink!.releasedLeaveMs;
    this.ingestArrived(buf, length, participantId, returnPath);
  };
  /** The link's own parse of each datagram (whose participant it is), apart from `parsed`. */
  private readonly linkParsed = createParsedRtp();
  /**
   * What the socket (or a WebRTC probe session) hands datagrams to: the probe itself, or with a downlink a sink that sends
   * them across the link first. Kept out of `ingestArrived` so that, without a downlink, the hot
   * path is exactly what it was (V8 inlines by size: a branch there cost allocations).
   */
  get sink(): DatagramSink {
    if (this.downlink === null) return this;
    const receiver = this;
    return {
      arrivalEpochMs: 0,
      ingestArrived(buf, length, participantId, returnPath) {
        receiver.arrivalEpochMs = this.arrivalEpochMs;
        receiver.ingestLinked(buf, length, participantId, returnPath);
      },
      countTruncated: () => receiver.countTruncated(),
    };
  }

  private constructor(options: ProbeOptions, socket: ProbeSocket | null) {
    this.options = options;
    this.socket = socket;
    this.address = socket?.address ?? { host: '0.0.0.0', port: 0 };
    this.windowMs = options.windowMs ?? 1000;
    this.expectedWindows = options.expectedDurationMs ? Math.ceil(options.expectedDurationMs / this.windowMs) + 2 : 64;
    this.runStartEpochMs = this.nowEpochMs();
    this.rcvbufErrorsAtOpen = udpKernelCounters()?.rcvbufErrors ?? null;
    const rtcp = options.rtcp ?? null;
    // NACK and PLI need somewhere to send them: without RTCP the probe only measures.
    this.viewer = rtcp ? (options.viewer ?? OPEN_LOOP) : { ...(options.viewer ?? OPEN_LOOP), nack: false, pli: false };
    this.sendsRtcp = rtcp !== null;
    // The feedback loop also drives the viewer model's deadlines; without RTCP it sends nothing.
    this.feedback = rtcp !== null || this.viewer.jitterBuffer !== false ? new ReceiverFeedback(rtcp?.ssrc ?? 0, 'avcm-probe', rtcp?.reportIntervalMs ?? 0, createRng(rtcp?.ssrc ?? 1), rtcp?.remb ?? false) : null;
    for (const [rtx, media] of options.rtx?.ssrcs ?? []) this.rtxSsrcs.set(rtx | 0, media | 0);
    this.downlink = options.downlink && !options.downlink.empty ? new DownlinkLink(options.downlink) : null;
    // A held datagram leaves at its time only if something looks: the tick does, even without feedback.
    if ((this.feedback !== null || this.downlink !== null) && options.ticks !== 'manual') {
      this.tickTimer = setInterval(() => this.tick(), FEEDBACK_TICK_MS);
      this.tickTimer.unref();
    }
  }

  /** RTX SSRC -> media SSRC pairs learned from signaling (a WebRTC SDP's FID groups). */
  registerRtx(pairs: ReadonlyMap<number, number>): void {
    for (const [rtx, media] of pairs) this.rtxSsrcs.set(rtx | 0, media | 0);
  }

  /**
   * Epoch ms now, on the clock the arrival times use: the kernel's CLOCK_REALTIME (as `Date.now()`)
   * for batched sockets, the process's high-resolution clock for dgram and detached probes.
   */
  private nowEpochMs(): number {
    return this.socket !== null ? this.socket.nowEpochMs() : performance.timeOrigin + performance.now();
  }

  /** The feedback loop's timed work: reports, NACK retries, playout deadlines, keyframe requests. */
  private tick(): void {
    if (this.closed) return;
    this.tickAt(this.nowEpochMs());
  }

  /** The feedback loop's timed work as of `epochMs` (wall-clock ms); called by the caller with `ticks: 'manual'`, every few ms. */
  tickAt(epochMs: number): void {
    if (this.downlink !== null) {
      this.downlink.nowMs = epochMs - this.runStartEpochMs;
      this.downlink.releaseDue(this.releaseHeld);
    }
    this.feedback?.tick(epochMs - this.runStartEpochMs, epochMs);
    // The tick's RTCP (reports, NACKs, PLIs) leaves together.
    this.socket?.flush();
  }

  /**
   * Binds the probe's UDP socket (port 0 = ephemeral; `address` tells the port) on the I/O
   * `options.io` chose, and starts receiving. Throws E_NETWORK.
   */
  static async open(options: ProbeOptions): Promise<ProbeReceiver> {
    const receiveBufferBytes = options.receiveBufferBytes ?? RECEIVE_BUFFER_BYTES;
    const io = options.io ?? chooseIo(ioRequest(undefined, process.env), process.env);
    const socket = io.path === 'batched' ? await BatchedProbeSocket.open(io.udp, options.listen, receiveBufferBytes, options.reusePort === true) : await DgramProbeSocket.open(options.listen, receiveBufferBytes);
    const receiver = new ProbeReceiver(options, socket);
    socket.start(receiver.sink, receiver.sendsRtcp);
    return receiver;
  }

  /** A datagram that did not fit its receive slot (batched I/O): counted as malformed. */
  countTruncated(): void {
    this.malformedPackets++;
  }

  /** `batched` or `dgram`: the socket's I/O; null for a detached probe (fed by its owner, e.g. WebRTC). */
  get io(): 'batched' | 'dgram' | null {
    return this.socket?.io ?? null;
  }

  /** A probe without a socket, fed through `ingest` only (WebRTC receivers, tests). */
  static detached(options: Omit<ProbeOptions, 'listen'>): ProbeReceiver {
    return new ProbeReceiver({ ...options, listen: { host: '0.0.0.0', port: 0 } }, null);
  }

  /**
   * Sets window 0's start: the run start every partition shares. Packets before it count in
   * window 0. From then on the probe measures its own health at the end of every window (unless
   * driven in fake time).
   */
  start(runStartEpochMs: number): void {
    this.runStartEpochMs = runStartEpochMs;
    this.runStarted = true;
    for (const session of this.streams.values()) session.stats.setRunStart(runStartEpochMs);
    if (this.options.ticks !== 'manual' && !this.closed && this.health === null) {
      this.health = new ProbeHealthRecorder(runStartEpochMs, this.windowMs, () => this.nowEpochMs(), this.socket);
    }
  }

  /** The probe's own health windows recorded so far (the soak benchmark samples them while running). */
  healthSoFar(): readonly ProbeHealthWindow[] {
    return this.health?.recorded() ?? [];
  }

  /**
   * Accounts one datagram: RTCP (RFC 5761 demultiplexed) goes to the feedback loop, RTX is
   * unwrapped and handed to its media stream's viewer model, media to its stream. Never throws,
   * allocates nothing per packet except a stream's state on its first packet. `participantId`
   * overrides the header extension (a WebRTC subscription knows whose stream it carries even when
   * an SFU strips avcm's extension); `returnPath` is where this source's RTCP goes.
   */
  ingest(buf: Uint8Array, length: number, arrivalEpochMs: number, participantId = -1, returnPath: ReturnPath | null = null): void {
    this.arrivalEpochMs = arrivalEpochMs;
    if (this.downlink !== null) this.ingestLinked(buf, length, participantId, returnPath);
    else this.ingestArrived(buf, length, participantId, returnPath);
  }

  /**
   * The arrival time (epoch ms) of the datagram `ingestArrived` accounts next. Sockets set it and
   * call `ingestArrived`: V8 boxes a float passed to a call it does not inline (an allocation per
   * datagram), while a field store into this reused object allocates nothing.
   */
  arrivalEpochMs = 0;
  /**
   * The probe's own health, window by window from the run start (not in fake time: `ticks:
   * 'manual'`). Declared after the fields the per-datagram path writes: one more field before them
   * moved `arrivalEpochMs` out of the object's own slots, and V8 then boxed it on every write.
   */
  private health: ProbeHealthRecorder | null = null;

  /** `ingest` with the arrival time taken from the `arrivalEpochMs` field (the allocation-free form sockets use). */
  ingestArrived(buf: Uint8Array, length: number, participantId: number, returnPath: ReturnPath | null): void {
    const arrivalEpochMs = this.arrivalEpochMs;
    if (isRtcpPacket(buf, length)) {
      this.feedback?.handleRtcp(buf, length, arrivalEpochMs);
      return;
    }
    const p = this.parsed;
    if (!parseRtp(buf, length, this.options.extensions, p)) {
      this.malformedPackets++;
      return;
    }
    const id = participantId >= 0 ? participantId : p.participantId;
    const rtx = this.options.rtx;
    if (rtx && p.payloadType === rtx.payloadType) {
      this.retransmission(buf, id, arrivalEpochMs - this.runStartEpochMs, returnPath);
      return;
    }
    const isVideo = p.payloadType === this.options.videoPayloadType;
    if (!isVideo && p.payloadType !== this.options.audioPayloadType) {
      this.foreignPackets++;
      return;
    }
    let session = this.streams.get(p.ssrc | 0);
    if (session === undefined) {
      const stats = new StreamStats({
        ssrc: p.ssrc,
        media: isVideo ? 'video' : 'audio',
        payloadType: p.payloadType,
        participantId: id >= 0 ? id : null,
        windowMs: this.windowMs,
        runStartEpochMs: this.runStartEpochMs,
        expectedWindows: this.expectedWindows,
      });
      stats.rid = readRid(buf, p);
      session = new ReceiverSession(stats, { ...this.viewer, nack: this.viewer.nack && isVideo }, this.expectedWindows);
      this.streams.set(p.ssrc | 0, session);
      this.feedback?.add(session, arrivalEpochMs - this.runStartEpochMs);
      if (isVideo) this.videoSessions.push(session);
      if (isVideo && this.options.layers && this.options.layers.length > 0) session.layers = new LayerTracker(this.options.layers);
      if (isVideo && id >= 0) this.videoByParticipant.set(id, session);
    } else if (session.stats.participantId === null && id >= 0) {
      session.stats.participantId = id;
      if (isVideo) this.videoByParticipant.set(id, session);
    }
    // A stream's layer is named once (a string allocated per stream, never per packet).
    if (p.ridLength > 0 && session.stats.rid === null) session.stats.rid = readRid(buf, p);
    if (returnPath !== null && this.sendsRtcp) session.returnPath = returnPath;
    const arrivalMs = arrivalEpochMs - this.runStartEpochMs;
    const windowIndex = !this.runStarted || arrivalMs <= 0 ? 0 : Math.floor(arrivalMs / this.windowMs);
    session.arrivalMs = arrivalMs;
    if (session.onMedia(buf, p, length, windowIndex)) this.activate(session);
    this.packetsReceived++;
  }

  /**
   * A datagram (arrived at the `arrivalEpochMs` field) at the viewer's link: media and RTX cross
   * it (dropped, held for later, or passed on now), RTCP from the sources goes straight on. What
   * the link let through earlier reaches the viewer first.
   */
  private ingestLinked(buf: Uint8Array, length: number, participantId: number, returnPath: ReturnPath | null): void {
    const arrivalEpochMs = this.arrivalEpochMs;
    const link = this.downlink!;
    link.nowMs = arrivalEpochMs - this.runStartEpochMs;
    if (link.nextLeaveMs <= link.nowMs) {
      link.releaseDue(this.releaseHeld);
      this.arrivalEpochMs = arrivalEpochMs;
      link.nowMs = arrivalEpochMs - this.runStartEpochMs;
    }
    const p = this.linkParsed;
    if (!isRtcpPacket(buf, length) && parseRtp(buf, length, this.options.extensions, p)) {
      const id = participantId >= 0 ? participantId : p.participantId;
      if (p.payloadType === this.options.videoPayloadType) {
        const keyframe = (classifyH264Payload(buf, p.payloadOffset, p.payloadLength) & (PAYLOAD_IDR | PAYLOAD_SPS)) !== 0;
        if (link.dropsFramePacket(p.ssrc, p.timestamp, keyframe, id)) return;
      }
      if (link.admit(buf, length, id, returnPath) !== LINK_PASS) return;
    }
    this.ingestArrived(buf, length, participantId, returnPath);
  }

  /** An RTX packet (RFC 4588) in `this.parsed`: unwrapped in place and handed to its media stream. */
  private retransmission(buf: Uint8Array, participantId: number, arrivalMs: number, returnPath: ReturnPath | null): void {
    const p = this.parsed;
    const original = readRtxOriginalSequence(buf, p.payloadOffset, p.payloadLength);
    const mediaSsrc = this.rtxSsrcs.get(p.ssrc | 0);
    let session = mediaSsrc !== undefined ? this.streams.get(mediaSsrc) : participantId >= 0 ? this.videoByParticipant.get(participantId) : undefined;
    if (session === undefined && original >= 0) session = this.associateRtx(p.ssrc, original, returnPath);
    if (original < 0 || session === undefined) {
      this.unmatchedRetransmissions++;
      return;
    }
    p.sequenceNumber = original;
    p.payloadOffset += 2;
    p.payloadLength -= 2;
    p.ssrc = session.ssrc;
    p.payloadType = session.stats.payloadType;
    session.arrivalMs = arrivalMs;
    session.onRetransmission(buf, p, true);
    this.activate(session);
  }

  /**
   * RFC 4588 5.3: without signaling (no SDP FID group, no participant id in the packets, as from
   * a plain RTP sender like GStreamer's rtprtxsend), an RTX SSRC belongs to the stream from which
   * the probe requested the packet it carries. The one video stream from the same source whose
   * NACKed sequence numbers include `originalSeq` is remembered as its media stream; when none
   * or several match, the packet stays unmatched and a later one decides.
   */
  private associateRtx(rtxSsrc: number, originalSeq: number, returnPath: ReturnPath | null): ReceiverSession | undefined {
    let match: ReceiverSession | undefined;
    const sessions = this.videoSessions;
    for (let i = 0; i < sessions.length; i++) {
      const session = sessions[i];
      if (session.returnPath !== returnPath || !session.requested(originalSeq)) continue;
      if (match !== undefined) return undefined;
      match = session;
    }
    if (match !== undefined) this.rtxSsrcs.set(rtxSsrc | 0, match.ssrc | 0);
    return match;
  }

  private activate(session: ReceiverSession): void {
    this.feedback?.activate(session);
  }

  private currentWindow(): number {
    return Math.floor((this.nowEpochMs() - this.runStartEpochMs) / this.windowMs);
  }

  /** All streams over the last complete window: what a live display shows (about once a second). */
  live(): LiveSummary {
    return liveSummary([this.liveParts()]);
  }

  /**
   * `live()`'s sums before they become averages and percents, so several probes' (shards') parts
   * add up exactly (`liveSummary`). Call it at most about once a second: it advances the settled
   * viewer counts.
   */
  liveParts(): LiveParts {
    const current = this.currentWindow();
    const index = current - 1;
    let received = 0;
    let expected = 0;
    let jitterSum = 0;
    let delaySum = 0;
    let delayCount = 0;
    let counted = 0;
    if (index >= 0) {
      for (const session of this.streams.values()) {
        const w = session.stats.windowStats(index);
        if (!w) continue;
        received += w.received;
        expected += w.expected;
        jitterSum += w.jitterMs;
        counted++;
        if (w.delayMsAvg !== null) {
          delaySum += w.delayMsAvg;
          delayCount++;
        }
      }
    }
    return {
      windowIndex: index,
      streams: this.streams.size,
      packetsReceived: this.packetsReceived,
      received,
      expected,
      jitterSum,
      delaySum,
      delayCount,
      counted,
      viewer: this.viewer.jitterBuffer === false ? null : this.liveViewer(current),
    };
  }

  /** The playout models' figures summed over streams: residual loss counts of the last settled window, counts since the start. */
  private liveViewer(current: number): LiveViewerParts {
    const residualWindow = current - 1 - Math.ceil(PLAYOUT_MODEL.MAX_NACK_WAIT_MS / this.windowMs);
    const from = this.viewerSettledWindows;
    const settleUntil = Math.max(from, current - Math.ceil(VIEWER_SETTLING_MS / this.windowMs));
    const counts = Float64Array.from(this.viewerSettled);
    let due = 0;
    let missing = 0;
    for (const session of this.streams.values()) {
      const windows = session.playout?.stats;
      if (!windows) continue;
      for (let w = from; w < windows.windowCount; w++) {
        for (let i = 0; i < LIVE_VIEWER_COUNTS.length; i++) {
          const value = windows.get(w, LIVE_VIEWER_COUNTS[i]);
          counts[i] += value;
          if (w < settleUntil) this.viewerSettled[i] += value;
        }
      }
      if (residualWindow >= 0) {
        due += windows.get(residualWindow, VIEWER_FIELDS.packetsSettled);
        missing += windows.get(residualWindow, VIEWER_FIELDS.packetsMissingAtPlayout);
      }
    }
    this.viewerSettledWindows = settleUntil;
    return {
      due,
      missing,
      nacksSent: counts[0],
      plisSent: counts[1],
      retransmissionsReceived: counts[2],
      freezes: counts[3],
      freezeMs: counts[4],
    };
  }

  /** Per-stream rows over the last complete window, for `avcm receive`'s table. */
  liveStreams(): LiveStreamRow[] {
    const index = this.currentWindow() - 1;
    const rows: LiveStreamRow[] = [];
    for (const { stats: stream } of this.streams.values()) {
      const w = index >= 0 ? stream.windowStats(index) : null;
      const lossPercent = w && w.expected > 0 ? (100 * w.lost) / w.expected : 0;
      const jitterMs = w ? w.jitterMs : stream.jitterMs;
      rows.push({
        participantId: stream.participantId,
        ssrc: stream.ssrc,
        rid: stream.rid,
        media: stream.media,
        received: stream.received,
        lossPercent,
        jitterMs,
        delayMs: w?.delayMsAvg ?? null,
        kbps: w ? (w.bytes * 8) / this.windowMs : 0,
        fps: w ? (w.frames * 1000) / this.windowMs : 0,
        mos: w ? estimateMos({ oneWayDelayMs: w.delayMsAvg ?? 0, jitterMs, lossPercent }) : null,
      });
    }
    return sortStreamRows(rows);
  }

  /** Windows up to the last one any stream touched (at least 1): `report()`'s default window count. */
  windowsTouched(): number {
    let touched = 1;
    for (const session of this.streams.values()) touched = Math.max(touched, session.stats.windowCount);
    return touched;
  }

  /**
   * The measured report, called at the end of a run, over `windowCount` windows (default: up to the
   * last window any stream touched). kernelRcvbufErrors = the Udp RcvbufErrors delta since `open`
   * (the whole machine's); kernelDrops = this socket's own (batched I/O).
   */
  report(windowCount?: number): ProbeReport {
    const count = windowCount ?? this.windowsTouched();
    const after = udpKernelCounters()?.rcvbufErrors ?? null;
    const endMs = count * this.windowMs;
    const streams = [...this.streams.values()].map((session) => {
      const layers = session.layers?.report(count);
      return { ...session.stats.report(count), viewer: session.viewerReport(count, endMs), ...(layers ? { layers } : {}) };
    });
    return {
      runStartEpochMs: this.runStartEpochMs,
      windowMs: this.windowMs,
      windowCount: count,
      streams: sortStreamReports(streams),
      malformedPackets: this.malformedPackets,
      foreignPackets: this.foreignPackets,
      kernelRcvbufErrors: after !== null && this.rcvbufErrorsAtOpen !== null ? after - this.rcvbufErrorsAtOpen : null,
      kernelDrops: this.socket?.kernelDrops() ?? null,
      io: this.io,
      feedback: this.feedback ? { rtcpSent: this.feedback.rtcpSent, rtcpReceived: this.feedback.rtcpReceived, rtcpMalformed: this.feedback.rtcpMalformed, unmatchedRetransmissions: this.unmatchedRetransmissions } : null,
      // Windows that ended while the report was asked for are in it.
      health: this.health?.recorded().slice() ?? [],
    };
  }

  /** Closes the socket; idempotent. `report()` still works afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.health?.close();
    await this.socket?.close();
  }
}

/** A report's stream order: by participant (streams without one last), media, SSRC. Sorts in place. */
export function sortStreamReports(streams: StreamReport[]): StreamReport[] {
  return streams.sort((a, b) => (a.participantId ?? Infinity) - (b.participantId ?? Infinity) || a.media.localeCompare(b.media) || a.ssrc - b.ssrc);
}
