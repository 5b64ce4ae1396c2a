import { absSendTimeDeltaMs, type ParsedRtp } from '../rtp/index.js';
import type { MediaKind, StreamReport, WindowStats } from './types.js';

/**
 * Sequence jumps up to this size are loss; RFC 3550 A.1 suggests 3000, but a chaos run can lose
 * every packet of a 322 pkt/s video stream for tens of seconds, so we allow ~30000 before
 * treating a jump as a sender restart. Behind the highest by up to MAX_MISORDER is late, not new.
 */
const MAX_DROPOUT = 30_000;
const MAX_MISORDER = 100;
const SEQ_MOD = 65_536;
/** Remembered extended sequence numbers for duplicate detection (a ring, no Set per packet). */
const DUPLICATE_RING = 1024;
/** Gaps up to this long are attributed to the window of the last packet before them. */
const SHORT_GAP_MS = 100;

/** One window's accumulators; allocated once per window per stream, never per packet. */
class WindowAccumulator {
  received = 0;
  expected = 0;
  /** Packets that arrived (now or later) of those expected in this window: lost = expected - filled. */
  filled = 0;
  duplicates = 0;
  reordered = 0;
  bytes = 0;
  jitterMs = 0;
  delaySumMs = 0;
  delayCount = 0;
  delayMaxMs = -Infinity;
  frames = 0;
}

/**
 * One RTP stream's receive statistics, O(1) per packet: RFC 3550 A.1 extended sequence numbers,
 * A.3 expected/lost, A.8 interarrival jitter, one-way delay from abs-send-time, bytes and frames,
 * all accumulated per time window so the verdict can scope them (whole run, during spikes, baseline).
 */
export class StreamStats {
  readonly ssrc: number;
  readonly media: MediaKind;
  readonly payloadType: number;
  participantId: number | null;
  private readonly clockRateHz: number;
  private readonly windows: (WindowAccumulator | undefined)[] = [];
  private readonly seenExt = new Float64Array(DUPLICATE_RING).fill(-1);
  /** Window each recent extended sequence number was expected in, so a late packet fills its own window. */
  private readonly expectedWindowOf = new Int32Array(DUPLICATE_RING).fill(-1);
  private started = false;
  private maxSeq = 0;
  private cycles = 0;
  private baseExt = 0;
  private highestExt = 0;
  private lastArrivalMs = 0;
  private lastWindow = 0;
  /** RFC 3550 A.8 state, in timestamp units. */
  private jitter = 0;
  private lastTransit = 0;
  private haveTransit = false;
  private originMs = 0;
  firstSeenMs = 0;
  lastSeenMs = 0;
  private totalReceived = 0;
  private totalDuplicates = 0;
  private totalReordered = 0;
  private totalBytes = 0;
  private totalFrames = 0;

  constructor(ssrc: number, media: MediaKind, payloadType: number, clockRateHz: number, participantId: number | null) {
    this.ssrc = ssrc;
    this.media = media;
    this.payloadType = payloadType;
    this.clockRateHz = clockRateHz;
    this.participantId = participantId;
  }

  private window(index: number): WindowAccumulator {
    let w = this.windows[index];
    if (w === undefined) {
      w = new WindowAccumulator();
      this.windows[index] = w;
    }
    return w;
  }

  /**
   * Accounts one packet. `arrivalMs` is run-relative (float ms), `arrivalEpochMs` the wall clock (for
   * abs-send-time), `windowIndex` = floor(arrivalMs / windowMs) (computed once by the receiver).
   */
  ingest(p: ParsedRtp, length: number, arrivalMs: number, arrivalEpochMs: number, windowIndex: number, windowMs: number): void {
    const w = this.window(windowIndex);
    const seq = p.sequenceNumber;
    let ext: number;
    let advanced = 0;
    if (!this.started) {
      this.started = true;
      this.maxSeq = seq;
      this.baseExt = seq;
      this.highestExt = seq;
      ext = seq;
      advanced = 1;
      this.firstSeenMs = arrivalMs;
      this.originMs = arrivalMs;
    } else {
      const delta = (seq - this.maxSeq + SEQ_MOD) % SEQ_MOD;
      if (delta !== 0 && delta < MAX_DROPOUT) {
        // In order, possibly after a gap (loss) or across the 16-bit wrap.
        if (seq < this.maxSeq) this.cycles += SEQ_MOD;
        this.maxSeq = seq;
        ext = this.cycles + seq;
        advanced = ext - this.highestExt;
        this.highestExt = ext;
      } else if (delta === 0 || delta >= SEQ_MOD - MAX_MISORDER) {
        // At or behind the highest: a duplicate or a late (reordered) packet.
        ext = seq <= this.maxSeq ? this.cycles + seq : this.cycles - SEQ_MOD + seq;
      } else {
        // A jump no loss explains: the sender restarted its sequence. Re-base, keep the totals.
        this.maxSeq = seq;
        this.cycles = 0;
        this.baseExt = seq - (this.highestExt - this.baseExt + 1);
        this.highestExt = seq;
        ext = seq;
        advanced = 1;
      }
    }

    const slot = ext % DUPLICATE_RING;
    if (this.seenExt[slot] === ext) {
      w.duplicates++;
      this.totalDuplicates++;
      return;
    }
    this.seenExt[slot] = ext;

    if (advanced > 0) {
      this.addExpected(ext, advanced, arrivalMs, windowIndex, windowMs);
      w.filled++;
    } else {
      w.reordered++;
      this.totalReordered++;
      // A late packet is not lost: it fills the window it was expected in (if still remembered).
      const expectedIn = ext >= 0 && this.highestExt - ext < DUPLICATE_RING ? this.expectedWindowOf[ext % DUPLICATE_RING] : -1;
      this.window(expectedIn >= 0 ? expectedIn : windowIndex).filled++;
    }
    w.received++;
    w.bytes += length;
    this.totalReceived++;
    this.totalBytes += length;
    if (this.media === 'audio' || p.marker) {
      w.frames++;
      this.totalFrames++;
    }

    // RFC 3550 A.8, in-order packets only (a late packet's transit says nothing about the path now).
    if (advanced > 0) {
      const arrivalUnits = ((arrivalMs - this.originMs) * this.clockRateHz) / 1000;
      const transit = arrivalUnits - p.timestamp;
      if (this.haveTransit) {
        let d = transit - this.lastTransit;
        // Timestamps wrap at 2^32; a difference that large is the wrap, not delay.
        if (d > 2 ** 31) d -= 2 ** 32;
        else if (d < -(2 ** 31)) d += 2 ** 32;
        this.jitter += (Math.abs(d) - this.jitter) / 16;
      }
      this.lastTransit = transit;
      this.haveTransit = true;
    }
    w.jitterMs = (this.jitter * 1000) / this.clockRateHz;

    if (p.absSendTime >= 0) {
      const delayMs = absSendTimeDeltaMs(p.absSendTime, arrivalEpochMs);
      w.delaySumMs += delayMs;
      w.delayCount++;
      if (delayMs > w.delayMaxMs) w.delayMaxMs = delayMs;
    }
    this.lastSeenMs = arrivalMs;
    this.lastArrivalMs = arrivalMs;
    this.lastWindow = windowIndex;
  }

  /**
   * The sequence advanced by `count` up to `ext` (this packet plus `count - 1` missing ones).
   * Each missing packet is expected in the window it was most likely due in: a short gap (a few
   * frames) where it began, since the lost packets most likely left with the last burst that
   * arrived; a long gap spread evenly over the time between the two arrivals, so a stream that
   * loses everything for 10 s shows the loss in those 10 windows. O(gap) per gap, O(1) otherwise.
   */
  private addExpected(ext: number, count: number, arrivalMs: number, windowIndex: number, windowMs: number): void {
    const missing = count - 1;
    const first = ext - missing;
    const shortGap = missing === 0 || this.totalReceived === 0 || arrivalMs - this.lastArrivalMs <= SHORT_GAP_MS || windowIndex === this.lastWindow;
    const step = (arrivalMs - this.lastArrivalMs) / count;
    for (let k = 1; k <= missing; k++) {
      let index = shortGap ? this.lastWindow : Math.floor((this.lastArrivalMs + k * step) / windowMs);
      if (index < this.lastWindow) index = this.lastWindow;
      if (index > windowIndex) index = windowIndex;
      if (this.totalReceived === 0) index = windowIndex;
      this.window(index).expected++;
      this.expectedWindowOf[(first + k - 1) % DUPLICATE_RING] = index;
    }
    this.window(windowIndex).expected++;
    this.expectedWindowOf[ext % DUPLICATE_RING] = windowIndex;
  }

  /** Received packets so far (duplicates excluded). */
  get received(): number {
    return this.totalReceived;
  }

  /** Expected packets so far (RFC 3550 A.3: extended highest - base + 1). */
  get expected(): number {
    return this.started ? this.highestExt - this.baseExt + 1 : 0;
  }

  /** The window's accumulator if any packet touched it (for live summaries). */
  peekWindow(index: number): WindowStats | null {
    const w = this.windows[index];
    return w ? toWindowStats(index, w) : null;
  }

  get jitterMs(): number {
    return (this.jitter * 1000) / this.clockRateHz;
  }

  /**
   * The report: windows dense from 0 to `windowCount - 1`; packets that arrived after the run's last
   * window (held back by a jitter spike) are folded into the last window they were sent in.
   */
  report(windowCount: number): StreamReport {
    const count = Math.max(windowCount, 1);
    const windows: WindowStats[] = [];
    for (let i = 0; i < count; i++) {
      const w = this.windows[i];
      windows.push(w ? toWindowStats(i, w) : emptyWindow(i));
    }
    for (let i = count; i < this.windows.length; i++) {
      const late = this.windows[i];
      if (!late) continue;
      const last = windows[count - 1];
      last.received += late.received;
      last.expected += late.expected;
      last.duplicates += late.duplicates;
      last.reordered += late.reordered;
      last.bytes += late.bytes;
      last.frames += late.frames;
      last.lost += Math.max(0, late.expected - late.filled);
    }
    const expected = this.expected;
    return {
      ssrc: this.ssrc,
      participantId: this.participantId,
      media: this.media,
      payloadType: this.payloadType,
      firstSeenMs: this.firstSeenMs,
      lastSeenMs: this.lastSeenMs,
      totals: {
        received: this.totalReceived,
        expected,
        lost: Math.max(0, expected - this.totalReceived),
        duplicates: this.totalDuplicates,
        reordered: this.totalReordered,
        bytes: this.totalBytes,
        jitterMs: this.jitterMs,
        frames: this.totalFrames,
      },
      windows,
    };
  }
}

function toWindowStats(index: number, w: WindowAccumulator): WindowStats {
  return {
    index,
    received: w.received,
    expected: w.expected,
    lost: Math.max(0, w.expected - w.filled),
    duplicates: w.duplicates,
    reordered: w.reordered,
    bytes: w.bytes,
    jitterMs: w.jitterMs,
    delayMsAvg: w.delayCount > 0 ? w.delaySumMs / w.delayCount : null,
    delayMsMax: w.delayCount > 0 ? w.delayMaxMs : null,
    frames: w.frames,
  };
}

function emptyWindow(index: number): WindowStats {
  return { index, received: 0, expected: 0, lost: 0, duplicates: 0, reordered: 0, bytes: 0, jitterMs: 0, delayMsAvg: null, delayMsMax: null, frames: 0 };
}
