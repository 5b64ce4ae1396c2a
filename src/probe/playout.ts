import { WindowCounters } from '../session/window-counters.js';
import { VIEWER_FIELDS as V, VIEWER_FIELD_COUNT, type ViewerReport } from './viewer-stats.js';
import type { MediaKind } from './types.js';

/**
 * The playout model's constants (a model of a browser's receive pipeline, not a copy of one):
 * - Target delay (adaptive): the larger of 2 x RFC 3550 jitter + 20 ms and how late frames become
 *   complete behind the anchor (mean + 3 standard deviations, smoothed over about 32 frames - audio
 *   packets, video frames - so bursty arrivals behind an SFU are covered, as a browser's jitter
 *   estimate covers them). Video adds nothing for retransmissions (a receive-only browser has no
 *   round-trip estimate to add): a frame repaired late is rendered late, and may count as a
 *   freeze. Audio NACKed on request adds the NACK round trip and one packet interval (a loss is
 *   noticed when the next packet arrives).
 * - Anchor: the expected transit time (arrival - media time) of a frame's first packet. It drops at
 *   once to a faster transit and rises towards a slower one by 1/8 of the difference per frame, so a
 *   lasting delay step is absorbed within about 8 frames while single late packets stay late.
 * - A frame's render target R = media time + anchor + target. Video waits for a frame's missing
 *   packets until R + wait (wait = the NACK retry budget when NACK is on, else 0); audio plays at R.
 * - A video frame is decoded when it is complete (every packet from its proven start to its marker)
 *   by its deadline and is a keyframe or follows a decoded reference frame; it is rendered at
 *   max(R, completion, previous render). Anything else breaks the chain until the next keyframe.
 * - Freezes as the W3C statistics define them: an interval between two rendered frames of at least
 *   max(3 x, + 150 ms) the average of the last 30 intervals.
 */
export const PLAYOUT_MODEL = {
  JITTER_FACTOR: 2,
  BASE_DELAY_MS: 20,
  /** Smoothing of the lateness statistics (per audio packet / video frame) and how many standard deviations the target covers. */
  LATENESS_GAIN: 1 / 32,
  LATENESS_DEVIATIONS: 3,
  MAX_DELAY_MS: 2_000,
  ANCHOR_RISE: 1 / 8,
  /** How long video waits for a missing packet past its render target when NACK is on: at least this... */
  MIN_NACK_WAIT_MS: 200,
  /** ...and at most this (10 NACK retries at the retry interval lie in between). */
  MAX_NACK_WAIT_MS: 1_000,
  NACK_RETRIES: 10,
  FREEZE_INTERVALS: 30,
  FREEZE_FACTOR: 3,
  FREEZE_EXTRA_MS: 150,
  PAUSE_MS: 5_000,
} as const;

const F_RECEIVED = 1;
const F_MARKER = 2;
const F_IDR = 4;
const F_REFERENCE = 8;
const F_SLICE = 16;
const F_NACKED = 32;

export interface PlayoutOptions {
  media: MediaKind;
  clockRateHz: number;
  /** A fixed playout delay, ms; null = adaptive (see PLAYOUT_MODEL). */
  fixedDelayMs: number | null;
  /** Whether missing packets of this stream are NACKed (they may still come: wait for them). */
  nack: boolean;
  windowMs: number;
  expectedWindows: number;
  /** Sequence numbers the model can hold between the oldest unplayed packet and the newest (power of two). */
  capacity?: number;
}

/**
 * One stream's jitter buffer, decoder and renderer model, driven by arrivals (`onPacket`) and time
 * (`advance`). Pure: no clock, no I/O, testable with fake times. Packets are identified by RFC 3550
 * extended sequence numbers (from StreamStats); media times in ms from the unwrapped RTP timestamp.
 * Per packet it writes a few typed-array slots; frames are assembled by walking the sequence ring
 * only when something can have changed (a marker, a new timestamp, a hole filled, a deadline).
 */
export class Playout {
  readonly media: MediaKind;
  readonly stats: WindowCounters;
  /** True while the video reference chain is broken (a keyframe is needed): the session's cue for PLI. */
  keyframeNeeded = false;
  private readonly capacity: number;
  private readonly mask: number;
  private readonly seqOf: Float64Array;
  private readonly flags: Uint8Array;
  private readonly mediaMs: Float64Array;
  private readonly arrivedAt: Float64Array;
  private readonly windowMs: number;
  private readonly msPerTick: number;
  private readonly fixedDelayMs: number | null;
  private readonly nack: boolean;
  private readonly perPacketFrames: boolean;
  /** Extended sequence number of the first packet not yet played or given up; -1 before the first packet. */
  private nextSeq = -1;
  private firstSeq = -1;
  private highest = -1;
  /** RTP timestamp unwrapping, relative to the highest packet. */
  private refTimestamp = 0;
  private refTicks = 0;
  private maxMediaMs = -Infinity;
  /** Media time of the last video frame played or given up. */
  private lastFrameMediaMs = -Infinity;
  private anchorMs = NaN;
  /**
   * Inputs of the next `onPacket`, set by the caller as fields: times cross the per-packet call in
   * fields because V8 boxes a float argument of a call it does not inline (an allocation per packet).
   * `arrivalMs` run-relative; `jitterMs` the stream's RFC 3550 jitter; the NACK figures size the
   * target delay and how long video waits for a missing packet.
   */
  arrivalMs = 0;
  jitterMs = 0;
  recoveryRoundTripMs = 0;
  retryIntervalMs = 20;
  /** The time `process` works at (an arrival, or a tick): a field for the same reason. */
  private nowMs = 0;
  /**
   * `targetDelayMs()` and how long video waits for missing packets, as of the latest inputs:
   * refreshed by `updateDelays` when `process` starts, so the per-frame code calls no method that
   * takes or returns a float (V8 boxes those when it does not inline the call).
   */
  private targetMs = 0;
  private missingWaitMs = 0;
  /** The interval between rendered frames `isFreeze` judges (a field, same reason). */
  private gapMs = 0;
  /** The frame being settled: when it plays or is given up, and after when its packets are late (fields, same reason). */
  private atMs = 0;
  private lateAfterMs = Infinity;
  /** Media ms between consecutive packets (audio) / frames (video), from the latest in-order pair. */
  private stepMs = 0;
  private chainIntact = false;
  private lastRenderMs = NaN;
  /** Smoothed mean and variance of how late frames complete behind the anchor, ms and ms². */
  private latenessMean = 0;
  private latenessVariance = 0;
  /** The longest silence between arrivals since the last rendered frame (a pause needs 5 s of it). */
  private longestSilenceMs = 0;
  /** When the latest packet arrived (run ms). */
  private lastArrivalMs = -Infinity;
  private readonly intervals = new Float64Array(PLAYOUT_MODEL.FREEZE_INTERVALS);
  private intervalCount = 0;
  private intervalSum = 0;

  constructor(options: PlayoutOptions) {
    this.media = options.media;
    let capacity = options.capacity ?? (options.media === 'video' ? 2048 : 256);
    if ((capacity & (capacity - 1)) !== 0) throw new Error('playout capacity must be a power of two');
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.seqOf = new Float64Array(capacity).fill(-1);
    this.flags = new Uint8Array(capacity);
    this.mediaMs = new Float64Array(capacity);
    this.arrivedAt = new Float64Array(capacity);
    this.windowMs = options.windowMs;
    this.msPerTick = 1000 / options.clockRateHz;
    this.fixedDelayMs = options.fixedDelayMs;
    this.nack = options.nack;
    this.perPacketFrames = options.media === 'audio';
    this.stats = new WindowCounters(VIEWER_FIELD_COUNT, options.expectedWindows);
  }

  /** The current target delay, ms (what a packet arriving on the anchor waits before playout). */
  targetDelayMs(): number {
    this.updateDelays();
    return this.targetMs;
  }

  /** Sets `targetMs` (see PLAYOUT_MODEL) and `missingWaitMs` (video with NACK: how long it waits for missing packets past the render target) from the inputs. */
  private updateDelays(): void {
    if (this.fixedDelayMs !== null) this.targetMs = this.fixedDelayMs;
    else {
      const spread = this.latenessMean + PLAYOUT_MODEL.LATENESS_DEVIATIONS * Math.sqrt(this.latenessVariance);
      let target = Math.max(PLAYOUT_MODEL.JITTER_FACTOR * this.jitterMs + PLAYOUT_MODEL.BASE_DELAY_MS, spread);
      if (this.nack && this.perPacketFrames) target += this.recoveryRoundTripMs + this.stepMs;
      this.targetMs = Math.min(PLAYOUT_MODEL.MAX_DELAY_MS, target);
    }
    this.missingWaitMs =
      this.perPacketFrames || !this.nack ? 0 : Math.min(PLAYOUT_MODEL.MAX_NACK_WAIT_MS, Math.max(PLAYOUT_MODEL.MIN_NACK_WAIT_MS, PLAYOUT_MODEL.NACK_RETRIES * this.retryIntervalMs));
  }

  /** Whether `ext` has been played or given up (a NACK for it is pointless). */
  isSettled(ext: number): boolean {
    return this.nextSeq >= 0 && ext < this.nextSeq;
  }

  /** Whether the model still holds unplayed packets (so `advance` has work). */
  get pending(): boolean {
    return this.nextSeq >= 0 && this.nextSeq <= this.highest;
  }

  /** When `advance` next has something to give up: the current frame's deadline (Infinity if none). */
  nextDeadlineMs(): number {
    if (!this.pending) return Infinity;
    const first = this.firstReceivedFrom(this.nextSeq);
    if (first < 0) return Infinity;
    this.updateDelays();
    const mediaMs = first > this.nextSeq && !this.perPacketFrames && this.framesLostWhole(first) > 0 ? this.lastFrameMediaMs + this.stepMs : this.estimatedMediaMs(this.nextSeq, first);
    return mediaMs + this.anchorMs + this.targetMs + this.missingWaitMs;
  }

  /**
   * One packet arrived at `this.arrivalMs` (a copy of one the model has changes nothing). `ext` its
   * extended sequence number, `timestamp` its RTP timestamp (either view of the 32 bits: `ts | 0`
   * avoids boxing), `payloadFlags` the PAYLOAD_* flags of an H.264 payload (0 for audio), `nacked`
   * whether it answers our NACK. Returns false when its frame had already been played or given up
   * without it (late: counted here, not as recovered). A packet that arrives after its deadline
   * while its frame still waits is counted late when the frame is given up, in this call.
   */
  onPacket(ext: number, timestamp: number, marker: boolean, payloadFlags: number, nacked: boolean): boolean {
    const arrivalMs = this.arrivalMs;
    if (arrivalMs > this.lastArrivalMs) {
      if (this.lastArrivalMs > -Infinity && arrivalMs - this.lastArrivalMs > this.longestSilenceMs) this.longestSilenceMs = arrivalMs - this.lastArrivalMs;
      this.lastArrivalMs = arrivalMs;
    }
    if (this.nextSeq < 0) {
      this.nextSeq = ext;
      this.firstSeq = ext;
      this.highest = ext - 1;
      this.refTimestamp = timestamp;
      this.refTicks = timestamp;
    }
    if (ext < this.nextSeq) {
      // Already played or given up. A copy of a packet the model had (a second retransmission, an
      // original after its retransmission) was not missing, so it is not late either.
      if (this.received(ext)) return true;
      this.stats.add(this.window(arrivalMs), V.packetsLate);
      return false;
    }
    if (this.received(ext)) return true;
    const ticks = this.refTicks + ((timestamp - this.refTimestamp) | 0);
    const mediaMs = ticks * this.msPerTick;
    const newFrame = mediaMs > this.maxMediaMs;
    if (ext > this.highest) {
      if (ext === this.highest + 1 && newFrame && this.maxMediaMs > -Infinity) this.stepMs = mediaMs - this.maxMediaMs;
      this.highest = ext;
      this.refTimestamp = timestamp;
      this.refTicks = ticks;
    }
    // The ring must hold every unplayed packet: give up the oldest frames when it would overflow.
    if (ext - this.nextSeq >= this.capacity) {
      this.nowMs = -Infinity;
      this.process(ext - this.capacity + 1);
    }
    const slot = ext & this.mask;
    this.seqOf[slot] = ext;
    let f = F_RECEIVED;
    if (marker || this.perPacketFrames) f |= F_MARKER;
    if (payloadFlags & 1) f |= F_IDR;
    if (payloadFlags & 2) f |= F_SLICE;
    if (payloadFlags & 4) f |= F_REFERENCE;
    if (nacked) f |= F_NACKED;
    this.flags[slot] = f;
    this.mediaMs[slot] = mediaMs;
    this.arrivedAt[slot] = arrivalMs;
    if (newFrame) {
      this.maxMediaMs = mediaMs;
      const transit = arrivalMs - mediaMs;
      if (Number.isNaN(this.anchorMs) || transit < this.anchorMs) this.anchorMs = transit;
      else this.anchorMs += (transit - this.anchorMs) * PLAYOUT_MODEL.ANCHOR_RISE;
    }
    // Audio: every packet is a frame. Video: a frame counts when it completes (see `process`).
    if (this.perPacketFrames) {
      this.latenessSample = arrivalMs - mediaMs - this.anchorMs;
      this.observeLateness();
    }
    // Compared here, not in the callee: passing `mediaMs` would box it for every packet of a keyframe.
    if (payloadFlags & 1 && this.perPacketFrames === false && mediaMs !== this.lastKeyframeMediaMs) {
      this.lastKeyframeMediaMs = mediaMs;
      this.onKeyframeStart();
    }
    // Frames can only have completed (or proven their end) on a marker, a new timestamp or a filled hole.
    if (marker || newFrame || ext < this.highest || this.perPacketFrames) {
      this.nowMs = arrivalMs;
      this.process(-1);
    }
    return true;
  }

  /** Hook for the receiver session: the first packet of an IDR arrived (keyframe response timing). */
  onKeyframeArrival: ((arrivalMs: number) => void) | null = null;
  private lastKeyframeMediaMs = NaN;

  /** A sample of how late a frame became complete behind the anchor (a field, for the same boxing reason). */
  private latenessSample = 0;

  /** Folds `latenessSample` into the spread the adaptive target covers. */
  private observeLateness(): void {
    const deviation = this.latenessSample - this.latenessMean;
    this.latenessMean += deviation * PLAYOUT_MODEL.LATENESS_GAIN;
    this.latenessVariance += (deviation * deviation - this.latenessVariance) * PLAYOUT_MODEL.LATENESS_GAIN;
  }

  /** The first packet (to arrive) of a keyframe, at `this.arrivalMs`. */
  private onKeyframeStart(): void {
    this.stats.add(this.window(this.arrivalMs), V.keyframesReceived);
    this.onKeyframeArrival?.(this.arrivalMs);
  }

  /** Time passed: plays or gives up everything whose deadline is at or before `nowMs`. */
  advance(nowMs: number): void {
    if (!this.pending) return;
    this.nowMs = nowMs;
    this.process(-1);
  }

  private window(ms: number): number {
    return ms <= 0 ? 0 : Math.floor(ms / this.windowMs);
  }

  /** The window the packet in `slot` arrived in (`window(arrivedAt[slot])` without passing the float). */
  private arrivalWindow(slot: number): number {
    const ms = this.arrivedAt[slot];
    return ms <= 0 ? 0 : Math.floor(ms / this.windowMs);
  }

  /** `window(this.atMs)` without passing the float. */
  private atWindow(): number {
    const ms = this.atMs;
    return ms <= 0 ? 0 : Math.floor(ms / this.windowMs);
  }

  private received(ext: number): boolean {
    const slot = ext & this.mask;
    return this.seqOf[slot] === ext && (this.flags[slot] & F_RECEIVED) !== 0;
  }

  private firstReceivedFrom(ext: number): number {
    for (let e = ext; e <= this.highest; e++) if (this.received(e)) return e;
    return -1;
  }

  /**
   * Media time of `ext`, estimated from the first received packet `known` at or after it. Audio: one
   * step per packet. Video: `known`'s own (missing packets before it are its frame's, unless
   * `framesLostWhole` finds frames between).
   */
  private estimatedMediaMs(ext: number, known: number): number {
    const knownMs = this.mediaMs[known & this.mask];
    if (ext === known || !this.perPacketFrames) return knownMs;
    return knownMs - (known - ext) * this.stepMs;
  }

  /**
   * Video: how many frames were lost whole in the missing run before `first` (the first received
   * packet after the cursor), from the frame times between the last frame played or given up and
   * `first`'s at the current frame interval; 0 when the run can only be the start of `first`'s frame.
   */
  private framesLostWhole(first: number): number {
    // Asked on every arrival and tick while the run waits at the cursor (for NACKed packets, up to
    // a second): worked out once per run, as the float arithmetic boxes in V8's baseline tiers.
    if (this.lostWholeStart === this.nextSeq && this.lostWholeFirst === first) return this.lostWhole;
    let frames = 0;
    if (this.lastFrameMediaMs !== -Infinity && this.stepMs > 0) {
      frames = Math.min(Math.round((this.mediaMs[first & this.mask] - this.lastFrameMediaMs) / this.stepMs) - 1, first - this.nextSeq);
    }
    this.lostWholeStart = this.nextSeq;
    this.lostWholeFirst = first;
    this.lostWhole = frames;
    return frames;
  }
  private lostWholeStart = -1;
  private lostWholeFirst = -1;
  private lostWhole = 0;

  /**
   * Plays frames from the cursor in order while they are complete, gives up those whose deadline
   * passed by `this.nowMs`, and (with `forceBefore` >= 0) gives up frames until the cursor reaches it.
   */
  private process(forceBefore: number): void {
    const nowMs = this.nowMs;
    this.updateDelays();
    while (this.nextSeq <= this.highest) {
      const start = this.nextSeq;
      const first = this.firstReceivedFrom(start);
      if (first < 0) return;
      if (this.perPacketFrames && first > start) {
        // A missing audio packet: concealed at its own playout time.
        const deadline = this.estimatedMediaMs(start, first) + this.anchorMs + this.targetMs;
        if (nowMs < deadline && start >= forceBefore) return;
        this.atMs = deadline;
        this.lateAfterMs = deadline;
        this.settleRange(start, start);
        continue;
      }
      const lostWhole = first > start && !this.perPacketFrames ? this.framesLostWhole(first) : 0;
      if (lostWhole > 0) {
        // Missing packets at the cursor with frame times between the last frame and `first`'s: frames
        // lost whole, given up once the first of them is due (not when `first`'s frame is).
        const gapTarget = this.lastFrameMediaMs + this.stepMs + this.anchorMs + this.targetMs;
        const gapDeadline = gapTarget + this.missingWaitMs;
        if (nowMs >= gapDeadline || start < forceBefore) {
          this.atMs = gapTarget;
          this.lateAfterMs = gapDeadline;
          this.dropFrame(0);
          if (lostWhole > 1) this.stats.add(this.atWindow(), V.framesDropped, lostWhole - 1);
          this.settleRange(start, first - 1);
          continue;
        }
      }
      const mediaMs = this.mediaMs[first & this.mask];
      // The frame's end: its marker packet, or the packet before the next timestamp.
      let end = -1;
      let complete = first === start;
      let completedAt = -Infinity;
      let frameFlags = 0;
      for (let e = first; e <= this.highest; e++) {
        const slot = e & this.mask;
        if (this.seqOf[slot] !== e || (this.flags[slot] & F_RECEIVED) === 0) {
          complete = false;
          continue;
        }
        if (this.mediaMs[slot] !== mediaMs) {
          end = e - 1;
          break;
        }
        frameFlags |= this.flags[slot];
        if (this.arrivedAt[slot] > completedAt) completedAt = this.arrivedAt[slot];
        if ((this.flags[slot] & F_MARKER) !== 0) {
          end = e;
          break;
        }
      }
      const renderTarget = mediaMs + this.anchorMs + this.targetMs;
      const deadline = renderTarget + this.missingWaitMs;
      if (!this.perPacketFrames && mediaMs <= this.lastFrameMediaMs) {
        // The rest of a frame already given up: too late for anything.
        this.atMs = renderTarget;
        this.lateAfterMs = -Infinity;
        this.settleRange(start, end >= 0 ? end : this.highest);
        continue;
      }
      const startProven = start === this.firstSeq || (this.received(start - 1) && this.mediaMs[(start - 1) & this.mask] !== mediaMs);
      if (end >= 0 && complete && completedAt <= deadline) {
        if (!this.perPacketFrames) {
          this.latenessSample = completedAt - mediaMs - this.anchorMs;
          this.observeLateness();
        }
        this.lastFrameMediaMs = mediaMs;
        this.atMs = Math.max(renderTarget, completedAt);
        this.lateAfterMs = Infinity;
        this.play(start, end, frameFlags, startProven);
        continue;
      }
      if (nowMs < deadline && start >= forceBefore) return;
      // Given up: incomplete at its deadline. Everything up to its end (or all seen so far) is settled.
      this.lastFrameMediaMs = mediaMs;
      this.atMs = renderTarget;
      this.lateAfterMs = deadline;
      if (!this.perPacketFrames) this.dropFrame(frameFlags);
      this.settleRange(start, end >= 0 ? end : this.highest);
    }
  }

  /** A video frame that will not be rendered; a reference frame (or one we know nothing of) breaks the chain. */
  private dropFrame(frameFlags: number): void {
    this.stats.add(this.atWindow(), V.framesDropped);
    if ((frameFlags & F_SLICE) === 0 || (frameFlags & F_REFERENCE) !== 0) {
      this.chainIntact = false;
      this.keyframeNeeded = true;
    }
  }

  /** A complete frame at the cursor: decoded and rendered at `this.atMs` if its references are intact. */
  private play(start: number, end: number, frameFlags: number, startProven: boolean): void {
    if (this.perPacketFrames) {
      this.settleRange(start, end);
      return;
    }
    const keyframe = (frameFlags & F_IDR) !== 0;
    const decodable = startProven && (keyframe || this.chainIntact);
    if (!decodable) {
      this.dropFrame(frameFlags);
      this.settleRange(start, end);
      return;
    }
    if (keyframe) {
      this.chainIntact = true;
      this.keyframeNeeded = false;
    }
    this.stats.add(this.atWindow(), V.framesRendered);
    this.render();
    this.settleRange(start, end);
  }

  /**
   * Marks [start, end] played or given up at playout time `this.atMs` and moves the cursor past it.
   * Packets missing, or received after `this.lateAfterMs` (late for a frame given up), count as
   * missing at playout; received NACKed packets count as recovered.
   */
  private settleRange(start: number, end: number): void {
    const atMs = this.atMs;
    const deadlineMs = this.lateAfterMs;
    const window = this.atWindow();
    let missing = 0;
    let recovered = 0;
    let delaySum = 0;
    let delayCount = 0;
    for (let e = start; e <= end; e++) {
      const slot = e & this.mask;
      if (this.seqOf[slot] !== e || (this.flags[slot] & F_RECEIVED) === 0) {
        missing++;
        continue;
      }
      if (this.arrivedAt[slot] > deadlineMs) {
        missing++;
        this.stats.add(this.arrivalWindow(slot), V.packetsLate);
        continue;
      }
      if ((this.flags[slot] & F_NACKED) !== 0) recovered++;
      const waited = atMs - this.arrivedAt[slot];
      if (waited >= 0) {
        delaySum += waited;
        delayCount++;
      }
    }
    // Written into the window's row: `stats.add` with the float delay sum would box it whenever
    // V8 does not inline the call, once per frame.
    const row = this.stats.row(window);
    const values = this.stats.values;
    values[row + V.packetsSettled] += end - start + 1;
    values[row + V.packetsMissingAtPlayout] += missing;
    values[row + V.packetsRecovered] += recovered;
    values[row + V.playoutDelayMsSum] += delaySum;
    values[row + V.playoutDelaySamples] += delayCount;
    this.nextSeq = end + 1;
  }

  /** A frame rendered at `this.atMs`: the W3C freeze rule over the rendering intervals. */
  private render(): void {
    const renderMs = this.atMs;
    const previous = this.lastRenderMs;
    const at = Number.isNaN(previous) ? renderMs : Math.max(previous, renderMs);
    this.lastRenderMs = at;
    if (Number.isNaN(previous)) return;
    const interval = at - previous;
    // A gap in which no packet arrived for 5 s is a pause (a browser marks the stream inactive).
    const silence = Math.max(this.longestSilenceMs, this.lastArrivalMs < at ? at - this.lastArrivalMs : 0);
    this.longestSilenceMs = 0;
    // One call site for both kinds of gap: floats passed from two would be boxed before the branch, for every frame.
    const pause = silence > PLAYOUT_MODEL.PAUSE_MS;
    this.gapMs = interval;
    if (pause || (this.intervalCount > 0 && this.isFreeze())) this.recordGap(pause ? V.pauses : V.freezes, pause ? V.pauseMs : V.freezeMs, previous, at);
    const n = PLAYOUT_MODEL.FREEZE_INTERVALS;
    const i = this.intervalCount % n;
    if (this.intervalCount >= n) this.intervalSum -= this.intervals[i];
    this.intervals[i] = interval;
    this.intervalSum += interval;
    this.intervalCount++;
  }

  /** Whether an interval of `gapMs` between rendered frames is a freeze (W3C: at least max(3 x, + 150 ms) the average of the last 30). */
  private isFreeze(): boolean {
    const average = this.intervalSum / Math.min(this.intervalCount, PLAYOUT_MODEL.FREEZE_INTERVALS);
    return this.gapMs >= Math.max(PLAYOUT_MODEL.FREEZE_FACTOR * average, average + PLAYOUT_MODEL.FREEZE_EXTRA_MS);
  }

  /** Counts a freeze (or pause) in the window it began and spreads its duration over the windows it spans. */
  private recordGap(countField: number, durationField: number, fromMs: number, toMs: number): void {
    this.stats.add(this.window(fromMs), countField);
    let at = fromMs;
    while (at < toMs) {
      const window = this.window(at);
      const windowEnd = (window + 1) * this.windowMs;
      const until = Math.min(toMs, windowEnd);
      this.stats.add(window, durationField, until - at);
      at = until;
    }
  }

  /**
   * Closes the model at the run's end (`endMs`, run-relative): a rendering gap still open while
   * packets kept arriving (an undecodable stream) counts as a freeze or pause up to the last
   * arrival; a gap because the sender stopped is no freeze.
   */
  finish(endMs: number): void {
    if (this.media !== 'video' || Number.isNaN(this.lastRenderMs) || this.intervalCount === 0) return;
    const until = Math.min(endMs, this.lastArrivalMs);
    const gap = until - this.lastRenderMs;
    this.gapMs = gap;
    if (this.longestSilenceMs > PLAYOUT_MODEL.PAUSE_MS) this.recordGap(V.pauses, V.pauseMs, this.lastRenderMs, until);
    else if (gap > 0 && this.isFreeze()) this.recordGap(V.freezes, V.freezeMs, this.lastRenderMs, until);
    else return;
    this.lastRenderMs = until;
  }

  /** Adds a session figure (NACKs sent, ...) to the window of `atMs`. */
  count(field: number, atMs: number, amount = 1): void {
    this.stats.add(this.window(atMs), field, amount);
  }

  report(windowCount: number): ViewerReport {
    return this.stats.columns(V, windowCount);
  }

}
