import type { LayerTracker } from './layer-tracker.js';
import { classifyH264Payload, type ParsedRtp } from '../rtp/index.js';
import { KeyframeRequester, NACK_MODEL, NackGenerator, ReceptionReport } from '../session/index.js';
import type { ReportBlock } from '../rtcp/index.js';
import { Playout } from './playout.js';
import type { StreamStats } from './stream-stats.js';
import { VIEWER_FIELDS as V, type ViewerReport } from './viewer-stats.js';

/** What the probe does for a stream, like a browser receiver (the scenario's `probe:` section). */
export interface ReceiverOptions {
  /** NACK missing packets of this stream until their playout time. */
  nack: boolean;
  /** Ask for a keyframe (PLI) when a video frame cannot be decoded. */
  pli: boolean;
  /** The playout model: a fixed delay (ms), adaptive (null), or no model at all (`false`). */
  jitterBuffer: { fixedDelayMs: number | null } | false;
}

/** Where a stream's RTCP goes back to its source: a UDP endpoint or a WebRTC peer. */
export interface ReturnPath {
  send(buf: Buffer, length: number): void;
}

/** What the session asks the probe to send (the probe writes the compound packets). */
export interface FeedbackSink {
  sendNack(session: ReceiverSession, seqs: Uint16Array, count: number, nowMs: number): void;
  sendPli(session: ReceiverSession, nowMs: number): void;
}

/** Sequence numbers one NACK packet carries at most (more wait for the next tick). */
const NACK_BATCH = 64;

/**
 * One received stream as a browser would hold it: the RFC 3550 wire statistics (what the network
 * did), and the receiver's side of the feedback loop composed of small stages: the NACK list,
 * keyframe requests, the reception report state, and the playout model that decides what the
 * viewer saw. Wire loss stays wire loss: retransmissions (RTX, or a NACKed sequence number
 * arriving again) go to the viewer model only, never into the wire statistics.
 */
export class ReceiverSession {
  readonly stats: StreamStats;
  readonly playout: Playout | null;
  readonly nackList: NackGenerator | null;
  readonly keyframes: KeyframeRequester | null;
  readonly reception = new ReceptionReport();
  returnPath: ReturnPath | null = null;
  /** Bookkeeping of the probe's feedback loop: next RR (run ms) and whether it is in the active list. */
  nextReportMs = Infinity;
  active = false;
  /** The source retransmits as RTX (RFC 4588): its media SSRC then carries originals only. */
  private repairedByRtx = false;
  private readonly nackScratch = new Uint16Array(NACK_BATCH);
  private readonly isSettled: (ext: number) => boolean;

  constructor(stats: StreamStats, options: ReceiverOptions, expectedWindows: number) {
    this.stats = stats;
    const video = stats.media === 'video';
    this.nackList = options.nack ? new NackGenerator() : null;
    this.keyframes = options.pli && video ? new KeyframeRequester() : null;
    this.playout =
      options.jitterBuffer === false
        ? null
        : new Playout({ media: stats.media, clockRateHz: stats.clockRateHz, fixedDelayMs: options.jitterBuffer.fixedDelayMs, nack: options.nack, windowMs: stats.windowMs, expectedWindows });
    const playout = this.playout;
    this.isSettled = playout ? (ext) => playout.isSettled(ext) : () => false;
    if (playout) {
      playout.onKeyframeArrival = (arrivalMs) => {
        const response = this.keyframes?.onKeyframe(arrivalMs) ?? null;
        if (response !== null) {
          playout.count(V.keyframeResponseMsSum, arrivalMs, response);
          playout.count(V.keyframeResponses, arrivalMs);
        }
      };
    }
  }

  get ssrc(): number {
    return this.stats.ssrc;
  }

  /** Which simulcast layer the stream carries (video streams of a simulcast plan); null otherwise. */
  layers: LayerTracker | null = null;
  /** The layer the stream's RID names (-1: none or unknown), looked up once the stream's RID is known. */
  ridLayer = -1;

  /** REMB bookkeeping: bytes received and run ms at the previous estimate (-1: none yet). */
  private rembMarkBytes = 0;
  private rembMarkMs = -1;

  /**
   * The REMB estimate (bit/s) sent with this stream's receiver report at `nowMs` (run ms), from the
   * rate it received since the previous report and the report's loss fraction (`fractionLost`,
   * 0..255), as a browser's loss-based controller reasons: little loss (< 2 %) means the link
   * carries more, so 1.5x the received rate invites the sender (or an SFU choosing a layer) up;
   * heavy loss (> 10 %) means it carries less, so the rate times (1 - loss/2); between, the
   * received rate. Null on the first report (no interval measured yet).
   */
  rembEstimateBps(nowMs: number, fractionLost: number): number | null {
    const bytes = this.stats.bytesReceived;
    const sinceMs = nowMs - this.rembMarkMs;
    const first = this.rembMarkMs < 0;
    const rateBps = ((bytes - this.rembMarkBytes) * 8 * 1000) / Math.max(sinceMs, 1);
    this.rembMarkBytes = bytes;
    this.rembMarkMs = nowMs;
    if (first) return null;
    const loss = fractionLost / 256;
    if (loss < 0.02) return rateBps * 1.5;
    if (loss > 0.1) return rateBps * (1 - loss / 2);
    return rateBps;
  }

  /**
   * The arrival time (run-relative ms) of the packet `onMedia`/`onRetransmission` handle next, set
   * by the caller: times cross the per-packet calls in fields, because V8 boxes a float argument
   * of a call it does not inline (an allocation per packet).
   */
  arrivalMs = 0;

  /**
   * A media packet of this stream (`p` parsed from `buf`, arrived at `arrivalMs`). Returns true
   * when the session now has timed work (NACKs to send, frames waiting for their deadline, a
   * keyframe to request).
   */
  onMedia(buf: Uint8Array, p: ParsedRtp, length: number, windowIndex: number): boolean {
    const arrivalMs = this.arrivalMs;
    if (this.layers !== null) this.trackLayer(buf, p, length, windowIndex);
    const nackList = this.nackList;
    if (nackList !== null) {
      // Looked up as far back as NACKs are remembered: an answer to a late NACK comes from far behind.
      const ext = this.stats.peekExtended(p.sequenceNumber, NACK_MODEL.NACKED_MEMORY);
      // A copy of a NACKed number on the media SSRC is a retransmission (a sender resending the same
      // packet, maybe twice when a retried NACK crossed its first answer), not the network's
      // reordering - unless the sender repairs with RTX: then copies on the media SSRC can only be
      // late originals, which fill the wire loss like any late packet.
      if (ext >= 0 && ext < this.stats.extendedHighest && !this.repairedByRtx && nackList.wasNacked(ext)) {
        this.onRetransmission(buf, p, false);
        return true;
      }
    }
    const stats = this.stats;
    stats.arrivalMs = arrivalMs;
    stats.ingestArrived(p, length, windowIndex);
    const ext = stats.lastExtended;
    if (ext < 0 || stats.lastDuplicate) return false;
    if (nackList !== null) {
      // `this.arrivalMs` read in each branch: the local passed from both would be boxed before the
      // branch, once for every packet (V8 boxes a float passed to a call it does not inline).
      if (stats.lastGap > 0) nackList.onGap(ext - stats.lastGap, ext - 1, this.arrivalMs);
      else if (ext < stats.extendedHighest) nackList.onArrival(ext, this.arrivalMs);
    }
    this.toPlayout(buf, p, ext, false);
    return this.busy;
  }

  /** Hands the packet to the layer tracker (kept out of `onMedia` so that stays small enough for V8 to inline). */
  private trackLayer(buf: Uint8Array, p: ParsedRtp, length: number, windowIndex: number): void {
    const layers = this.layers!;
    if (this.ridLayer === -1 && this.stats.rid !== null) this.ridLayer = layers.layerOfRid(this.stats.rid);
    layers.arrivalMs = this.arrivalMs;
    layers.onPacket(buf, p, length, windowIndex, this.ridLayer);
  }

  /** Whether the probe NACKed `sequenceNumber` of this stream (what an RTX packet may answer, RFC 4588 5.3). */
  requested(sequenceNumber: number): boolean {
    if (this.nackList === null) return false;
    const ext = this.stats.peekExtended(sequenceNumber, NACK_MODEL.NACKED_MEMORY);
    return ext >= 0 && this.nackList.wasNacked(ext);
  }

  /**
   * A retransmission of this stream, arrived at `arrivalMs`: an RTX packet already unwrapped by
   * the caller (`p` carries the original sequence number, SSRC and payload; `rtx` true), or a
   * NACKed packet arriving again.
   */
  onRetransmission(buf: Uint8Array, p: ParsedRtp, rtx: boolean): void {
    const arrivalMs = this.arrivalMs;
    if (rtx) this.repairedByRtx = true;
    const ext = this.stats.peekExtended(p.sequenceNumber, NACK_MODEL.NACKED_MEMORY);
    const playout = this.playout;
    playout?.count(V.retransmittedPackets, arrivalMs);
    if (ext < 0) return;
    const nackList = this.nackList;
    if (nackList !== null && nackList.onArrival(ext, arrivalMs) && playout !== null) {
      // A recovery: the NACK -> retransmission round trip the viewer saw.
      playout.count(V.nackRoundTripMsSum, arrivalMs, nackList.lastRoundTripMs);
      playout.count(V.nackRoundTrips, arrivalMs);
    }
    this.toPlayout(buf, p, ext, true);
  }

  private toPlayout(buf: Uint8Array, p: ParsedRtp, ext: number, retransmitted: boolean): void {
    const playout = this.playout;
    if (playout === null) return;
    const flags = this.stats.media === 'video' ? classifyH264Payload(buf, p.payloadOffset, p.payloadLength) : 0;
    const nackList = this.nackList;
    if (nackList !== null) {
      playout.recoveryRoundTripMs = nackList.roundTripMs;
      playout.retryIntervalMs = nackList.retryIntervalMs();
    }
    playout.arrivalMs = this.arrivalMs;
    playout.jitterMs = this.stats.jitterMs;
    // `| 0`: the signed view of the 32-bit timestamp is a small integer for V8 (no boxing per call).
    playout.onPacket(ext, p.timestamp | 0, p.marker, flags, retransmitted);
  }

  /** Whether NACKs, deadlines or keyframe requests are pending. */
  get busy(): boolean {
    const wantsKeyframe = this.keyframes !== null && ((this.playout?.keyframeNeeded ?? false) || (this.nackList?.overflowed ?? false));
    return (this.nackList?.pending ?? 0) > 0 || (this.playout?.pending ?? false) || wantsKeyframe;
  }

  /**
   * Timed work at `nowMs` (run-relative): plays or gives up frames whose deadline passed, sends due
   * NACKs and keyframe requests through `sink`. Returns whether work is still pending.
   */
  service(nowMs: number, sink: FeedbackSink): boolean {
    const playout = this.playout;
    playout?.advance(nowMs);
    const nackList = this.nackList;
    if (nackList !== null && nackList.pending > 0) {
      for (;;) {
        const count = nackList.collectDue(nowMs, this.isSettled, this.nackScratch);
        if (count === 0) break;
        sink.sendNack(this, this.nackScratch, count, nowMs);
        playout?.count(V.nacksSent, nowMs);
        playout?.count(V.packetsNacked, nowMs, count);
        if (count < NACK_BATCH) break;
      }
    }
    const needKeyframe = (playout?.keyframeNeeded ?? false) || (nackList?.overflowed ?? false);
    if (nackList) nackList.overflowed = false;
    if (this.keyframes !== null && this.keyframes.shouldSend(needKeyframe, nowMs)) {
      sink.sendPli(this, nowMs);
      playout?.count(V.plisSent, nowMs);
    }
    return this.busy;
  }

  /** Fills this stream's report block for an RR at wall time `epochMs`. */
  fillReportBlock(block: ReportBlock, epochMs: number): void {
    const s = this.stats;
    this.reception.fill(block, s.ssrc, s.expected, s.received, s.extendedHighest, s.jitterUnits, epochMs);
  }

  /** Closes the viewer model at the run's end and returns its figures (null without a model). */
  viewerReport(windowCount: number, endMs: number): ViewerReport | null {
    if (!this.playout) return null;
    this.playout.finish(endMs);
    return this.playout.report(windowCount);
  }
}
