import { absSendTimeDeltaMs, type ParsedRtp } from '../rtp/index.js';
import type { MediaKind, StreamReport, WindowStats } from './types.js';

/**
 * RFC 3550 A.1: a forward jump below MAX_DROPOUT is in-order (with loss in between); a packet up to
 * MAX_MISORDER behind the highest is late. Anything else is checked against the RTP timestamp (see
 * `classifyJump`) before RFC 3550's probation treats it as a sender restart.
 */
export const MAX_DROPOUT = 3000;
export const MAX_MISORDER = 100;
const SEQ_MOD = 65_536;
/** Sequence numbers remembered behind the highest, for duplicates and late-packet attribution. */
export const SEQUENCE_HORIZON = 1024;
const HORIZON_MASK = SEQUENCE_HORIZON - 1;
/** Gaps shorter than this are attributed to the window of the last packet before them. */
const SHORT_GAP_MS = 100;
/**
 * A sequence jump larger than MAX_DROPOUT is still loss (not a restart) when the RTP timestamp
 * advanced by the elapsed time within this slack (plus half the elapsed time): a chaos run can
 * drop every packet of a 322 pkt/s video stream for 10 s (3220 sequence numbers), and that is loss.
 */
const JUMP_TIMESTAMP_SLACK_MS = 2000;
/**
 * A span without any packet of the stream at least this long is recorded as a silence (the raw
 * data of `outage_seconds`): well above packet spacing (20 ms audio, 33 ms video at 30 fps).
 */
export const SILENCE_MIN_MS = 200;
/** Silences kept per stream; when full, a longer one replaces the shortest (the longest are what outages are). */
const MAX_SILENCES = 64;
/** Windows beyond this are folded into the last one (a bogus clock must not allocate gigabytes). */
const MAX_WINDOWS = 1 << 22;
const DEFAULT_WINDOWS = 64;

/** Media clocks (RFC 6184 H.264: 90 kHz; RFC 7587 Opus: 48 kHz). */
export const CLOCK_RATE_HZ: Record<MediaKind, number> = { video: 90_000, audio: 48_000 };

// Per-window integer counters, stride COUNT_FIELDS in one Uint32Array.
const C_RECEIVED = 0;
const C_EXPECTED = 1;
/** Packets (arrived now or later) of those expected in this window: lost = expected - filled. */
const C_FILLED = 2;
const C_DUPLICATES = 3;
const C_REORDERED = 4;
const C_BYTES = 5;
const C_FRAMES = 6;
const C_DELAY_COUNT = 7;
const C_TOUCHED = 8;
const COUNT_FIELDS = 9;
// Per-window floats, stride FLOAT_FIELDS in one Float64Array.
const F_JITTER_MS = 0;
const F_DELAY_SUM_MS = 1;
const F_DELAY_MAX_MS = 2;
const FLOAT_FIELDS = 3;

export interface StreamStatsOptions {
  ssrc: number;
  media: MediaKind;
  payloadType: number;
  /** From the participant-id extension; null when unknown (may be set later). */
  participantId: number | null;
  /** Window length, ms (default 1000). */
  windowMs?: number;
  /** Epoch ms of window 0; arrivals are given relative to it (default 0: arrivals are epoch ms). */
  runStartEpochMs?: number;
  /** Windows to preallocate (ceil(expected duration / windowMs) + 1); default 64. */
  expectedWindows?: number;
  /** Overrides the media clock (default 90000 video, 48000 audio). */
  clockRateHz?: number;
}

/**
 * One RTP stream's receive statistics, O(1) per packet and allocation-free on the packet path:
 * RFC 3550 A.1 extended sequence numbers, A.3 expected/lost, A.8 interarrival jitter, one-way
 * delay from abs-send-time, bytes and frames, accumulated per time window so the verdict can scope
 * them (whole run, during spikes, baseline).
 *
 * Window attribution (why not simply "the window in which the highest sequence number advanced"):
 * - A missing packet is expected in the window it was due in. After a short gap (≤ 100 ms or
 *   within one window) that is the window of the last packet before the gap; after a long gap the
 *   missing packets are spread evenly over the time between the two arrivals. Otherwise a 3 s
 *   100 % loss spike would show as loss in the first window after the spike, never during it.
 * - A late (reordered) packet is not loss: it was expected when the gap opened and it "fills" the
 *   window it was expected in (remembered for the last 1024 sequence numbers), so per window
 *   `lost = max(0, expected - filled)`, and it counts as received in the window it arrived in.
 * Totals: `lost = max(0, expected - received)`, which equals the sum of the windows' losses
 * except where a window's clamp at 0 applies.
 */
export class StreamStats {
  readonly ssrc: number;
  readonly media: MediaKind;
  readonly payloadType: number;
  readonly windowMs: number;
  readonly clockRateHz: number;
  participantId: number | null;
  /** A simulcast layer's RID (RFC 8852 rtp-stream-id), from the first packet carrying one; null until then. */
  rid: string | null = null;
  /** Run-relative ms of the first and last packet (duplicates included). */
  firstSeenMs = 0;
  lastSeenMs = 0;

  private runStartEpochMs: number;
  private counts: Uint32Array;
  private floats: Float64Array;
  private capacity: number;
  /** Highest window index touched + 1. */
  private windowsUsed = 0;

  /** Bit per extended sequence number in (highestExt - 1024, highestExt]: arrived already. */
  private readonly seenBits = new Uint32Array(SEQUENCE_HORIZON / 32);
  /** The window each of the last 1024 extended sequence numbers was expected in. */
  private readonly expectedWindowOf = new Int32Array(SEQUENCE_HORIZON);

  private started = false;
  private maxSeq = 0;
  /**
   * RFC 3550 A.1 `cycles` (the count of 16-bit wraps, times 65536), shifted on a sender restart so
   * extended sequence numbers keep increasing: ext = cycles + seq.
   */
  private cycles = 0;
  private baseExt = 0;
  private highestExt = 0;
  /** RTP timestamp and arrival of the packet that set highestExt (to tell loss from restart). */
  private highestTimestamp = 0;
  private highestArrivalMs = 0;
  /** RFC 3550 A.1 `bad_seq`: the next sequence number that would confirm a restart; -1 none. */
  private badSeq = -1;
  /** Window of the last in-order packet (where a short gap's missing packets are expected). */
  private lastWindow = 0;

  /** RFC 3550 A.8 state, in timestamp units; transit is measured from the first packet's epoch. */
  private jitter = 0;
  private lastTransit = 0;
  private lastJitterTimestamp = -1;
  private originEpochMs = 0;

  /**
   * What the last `ingest` found, for the receiver session: the packet's extended sequence number
   * (-1 when RFC 3550 probation held it back), how many sequence numbers it skipped (missing), and
   * whether it was a duplicate.
   */
  lastExtended = -1;
  lastGap = 0;
  lastDuplicate = false;

  /** Silent spans as run-relative [start, end] ms pairs (SILENCE_MIN_MS and longer), `silenceCount` of them. */
  private readonly silenceSpans = new Float64Array(MAX_SILENCES * 2);
  private silenceCount = 0;

  private totalReceived = 0;
  private totalDuplicates = 0;
  private totalReordered = 0;
  private totalBytes = 0;
  private totalFrames = 0;

  constructor(options: StreamStatsOptions) {
    this.ssrc = options.ssrc;
    this.media = options.media;
    this.payloadType = options.payloadType;
    this.participantId = options.participantId;
    this.windowMs = options.windowMs ?? 1000;
    this.runStartEpochMs = options.runStartEpochMs ?? 0;
    this.clockRateHz = options.clockRateHz ?? CLOCK_RATE_HZ[options.media];
    this.capacity = Math.min(MAX_WINDOWS, Math.max(1, Math.ceil(options.expectedWindows ?? DEFAULT_WINDOWS)));
    this.counts = new Uint32Array(this.capacity * COUNT_FIELDS);
    this.floats = new Float64Array(this.capacity * FLOAT_FIELDS);
  }

  /** Moves window 0 (the receiver's `start`); arrivals given afterwards are relative to it. */
  setRunStart(runStartEpochMs: number): void {
    // Run-relative times already stored move with the origin, so gaps stay the same length.
    const shiftMs = this.runStartEpochMs - runStartEpochMs;
    this.firstSeenMs += shiftMs;
    this.lastSeenMs += shiftMs;
    this.highestArrivalMs += shiftMs;
    for (let i = 0; i < 2 * this.silenceCount; i++) this.silenceSpans[i] += shiftMs;
    this.runStartEpochMs = runStartEpochMs;
  }

  /** Grows the window arrays (doubling). Runs when a new window index first exceeds the capacity. */
  private reserve(index: number): void {
    if (index < this.capacity) return;
    const capacity = Math.min(MAX_WINDOWS, Math.max(index + 1, this.capacity * 2));
    const counts = new Uint32Array(capacity * COUNT_FIELDS);
    counts.set(this.counts);
    const floats = new Float64Array(capacity * FLOAT_FIELDS);
    floats.set(this.floats);
    this.counts = counts;
    this.floats = floats;
    this.capacity = capacity;
  }

  /** Returns the (possibly clamped) window index after making room for it. */
  private touch(index: number): number {
    const i = index < 0 ? 0 : index >= MAX_WINDOWS ? MAX_WINDOWS - 1 : index;
    this.reserve(i);
    this.counts[i * COUNT_FIELDS + C_TOUCHED] = 1;
    if (i >= this.windowsUsed) this.windowsUsed = i + 1;
    return i;
  }

  /**
   * Accounts one packet; called by the receiver for every RTP packet of this SSRC.
   * `arrivalMs`: ms since the run start (float; negative before it); `windowIndex`: the window it
   * arrived in, floor(arrivalMs / windowMs) clamped at 0 (computed once by the receiver).
   * Allocates nothing (except when a window index first exceeds the preallocated capacity).
   */
  ingest(p: ParsedRtp, length: number, arrivalMs: number, windowIndex: number): void {
    this.arrivalMs = arrivalMs;
    this.ingestArrived(p, length, windowIndex);
  }

  /**
   * The arrival time (run-relative ms) of the packet `ingestArrived` accounts next. The hot path
   * sets it and calls `ingestArrived`: V8 boxes a float passed to a call it does not inline (one
   * allocation per packet), while a field store into a reused object allocates nothing.
   */
  arrivalMs = 0;

  /** `ingest` with the arrival time taken from the `arrivalMs` field (the allocation-free form). */
  ingestArrived(p: ParsedRtp, length: number, windowIndex: number): void {
    const arrivalMs = this.arrivalMs;
    const seq = p.sequenceNumber;
    let ext: number;
    let advanced = 0;
    this.lastExtended = -1;
    this.lastGap = 0;
    this.lastDuplicate = false;
    // Rare (an outage, a stall): the call reads its times from fields, the common case is one compare.
    if (this.started && arrivalMs - this.lastSeenMs >= SILENCE_MIN_MS) this.recordSilence();
    if (!this.started) {
      this.started = true;
      this.maxSeq = seq;
      this.cycles = 0;
      this.baseExt = seq;
      this.highestExt = seq;
      ext = seq;
      advanced = 1;
      this.firstSeenMs = arrivalMs;
      this.lastWindow = windowIndex;
      this.originEpochMs = arrivalMs + this.runStartEpochMs;
    } else {
      const delta = (seq - this.maxSeq + SEQ_MOD) & 0xffff;
      if (delta === 0) {
        ext = this.highestExt;
      } else if (delta < MAX_DROPOUT) {
        ext = this.advanceTo(seq);
        advanced = ext - this.highestExt;
      } else if (delta >= SEQ_MOD - MAX_MISORDER) {
        ext = this.highestExt - (SEQ_MOD - delta);
      } else {
        const kind = this.classifyJump(p.timestamp, delta);
        if (kind === JUMP_LOSS) {
          ext = this.advanceTo(seq);
          advanced = ext - this.highestExt;
        } else if (kind === JUMP_LATE) {
          ext = this.highestExt - (SEQ_MOD - delta);
        } else if (seq === this.badSeq) {
          // RFC 3550 A.1: two sequential packets after a jump no loss explains = the sender
          // restarted its sequence. Continue the extended numbers so the totals stay consistent.
          this.cycles = this.highestExt + 1 - seq;
          this.maxSeq = seq;
          ext = this.highestExt + 1;
          advanced = 1;
          this.badSeq = -1;
        } else {
          // RFC 3550 A.1 probation: remember and drop it until the next packet confirms.
          this.badSeq = (seq + 1) & 0xffff;
          this.lastSeenMs = arrivalMs;
          return;
        }
      }
    }
    this.lastExtended = ext;
    if (advanced > 1) this.lastGap = advanced - 1;
    this.lastSeenMs = arrivalMs;
    const w = this.touch(windowIndex);
    const c = w * COUNT_FIELDS;
    const counts = this.counts;

    if (advanced > 0) {
      this.markAdvance(ext, advanced);
    } else if (this.highestExt - ext < SEQUENCE_HORIZON) {
      const bit = 1 << (ext & 31);
      const word = (ext & HORIZON_MASK) >>> 5;
      if (ext === this.highestExt || (this.seenBits[word] & bit) !== 0) {
        counts[c + C_DUPLICATES]++;
        this.totalDuplicates++;
        this.lastDuplicate = true;
        return;
      }
      this.seenBits[word] |= bit;
    }

    if (advanced > 0) {
      this.addExpected(ext, advanced, w);
      counts[c + C_FILLED]++;
      this.highestExt = ext;
      this.highestTimestamp = p.timestamp;
      this.highestArrivalMs = arrivalMs;
      this.lastWindow = w;
    } else {
      counts[c + C_REORDERED]++;
      this.totalReordered++;
      const remembered = this.highestExt - ext < SEQUENCE_HORIZON;
      if (ext < this.baseExt && remembered) {
        // Older than the first packet seen (the first two swapped): the stream began earlier, so
        // it and the numbers between it and the old base are expected too (now, in this window).
        for (let e = ext; e < this.baseExt; e++) this.expectedWindowOf[e & HORIZON_MASK] = w;
        counts[c + C_EXPECTED] += this.baseExt - ext;
        this.baseExt = ext;
      }
      // A late packet is not lost: it fills the window it was expected in, when still remembered.
      const expectedIn = remembered ? this.expectedWindowOf[ext & HORIZON_MASK] : w;
      counts[expectedIn * COUNT_FIELDS + C_FILLED]++;
    }
    counts[c + C_RECEIVED]++;
    counts[c + C_BYTES] += length;
    this.totalReceived++;
    this.totalBytes += length;
    if (this.media === 'audio' || p.marker) {
      counts[c + C_FRAMES]++;
      this.totalFrames++;
    }

    // RFC 3550 6.4.1 / A.8 interarrival jitter, J += (|D| - J) / 16, with two choices:
    // - in-order packets only: a late packet's transit describes the path when it was delayed,
    //   and counting it again would double-count the delay spike that made it late;
    // - a packet with the same timestamp as the previous one is skipped: the packets of one video
    //   frame share a timestamp and leave back to back, so their D would measure the sender's
    //   packetization burst, not the network (libwebrtc's receive statistics do the same).
    if (advanced > 0 && p.timestamp !== this.lastJitterTimestamp) {
      const arrivalUnits = ((arrivalMs + this.runStartEpochMs - this.originEpochMs) * this.clockRateHz) / 1000;
      const transit = arrivalUnits - p.timestamp;
      if (this.lastJitterTimestamp >= 0) {
        let d = transit - this.lastTransit;
        // RTP timestamps wrap at 2^32: a difference that large is the wrap, not delay.
        if (d > 2 ** 31) d -= 2 ** 32;
        else if (d < -(2 ** 31)) d += 2 ** 32;
        this.jitter += (Math.abs(d) - this.jitter) / 16;
      }
      this.lastTransit = transit;
      this.lastJitterTimestamp = p.timestamp;
    }
    const f = w * FLOAT_FIELDS;
    this.floats[f + F_JITTER_MS] = (this.jitter * 1000) / this.clockRateHz;

    if (p.absSendTime >= 0) {
      const delayMs = absSendTimeDeltaMs(p.absSendTime, arrivalMs + this.runStartEpochMs);
      const first = counts[c + C_DELAY_COUNT] === 0;
      counts[c + C_DELAY_COUNT]++;
      this.floats[f + F_DELAY_SUM_MS] += delayMs;
      if (first || delayMs > this.floats[f + F_DELAY_MAX_MS]) this.floats[f + F_DELAY_MAX_MS] = delayMs;
    }
  }

  /** In-order advance to `seq` (RFC 3550 A.1: a wrap adds a cycle); returns its extended number. */
  private advanceTo(seq: number): number {
    if (seq < this.maxSeq) this.cycles += SEQ_MOD;
    this.maxSeq = seq;
    this.badSeq = -1;
    return this.cycles + seq;
  }

  /**
   * A jump beyond MAX_DROPOUT / MAX_MISORDER. RFC 3550 would put it on probation as a possible
   * restart; the RTP timestamp tells better: forward with a timestamp that advanced by about the
   * elapsed time is a long loss burst; backward with an older timestamp is a very late packet.
   */
  private classifyJump(timestamp: number, delta: number): number {
    const arrivalMs = this.arrivalMs;
    const tsDeltaMs = (((timestamp - this.highestTimestamp) | 0) * 1000) / this.clockRateHz;
    if (delta < SEQ_MOD / 2) {
      const elapsedMs = arrivalMs - this.highestArrivalMs;
      return tsDeltaMs > 0 && Math.abs(tsDeltaMs - elapsedMs) <= JUMP_TIMESTAMP_SLACK_MS + Math.abs(elapsedMs) / 2 ? JUMP_LOSS : JUMP_UNEXPLAINED;
    }
    return tsDeltaMs <= 0 ? JUMP_LATE : JUMP_UNEXPLAINED;
  }

  /** Clears the seen-bits the advance to `ext` slides into the horizon and marks `ext` seen. */
  private markAdvance(ext: number, advanced: number): void {
    const bits = this.seenBits;
    if (advanced >= SEQUENCE_HORIZON) bits.fill(0);
    else {
      for (let e = ext - advanced + 1; e <= ext; e++) bits[(e & HORIZON_MASK) >>> 5] &= ~(1 << (e & 31));
    }
    bits[(ext & HORIZON_MASK) >>> 5] |= 1 << (ext & 31);
  }

  /**
   * The sequence advanced by `count` up to `ext` (this packet plus `count - 1` missing ones): each
   * is expected in the window it was most likely due in (see the class comment). O(gap) per gap.
   * The arrival time is read from `this.arrivalMs`, like `classifyJump`'s: a float argument would be
   * boxed per packet whenever V8 does not inline the call.
   */
  private addExpected(ext: number, count: number, windowIndex: number): void {
    const arrivalMs = this.arrivalMs;
    const missing = count - 1;
    const fromMs = this.highestArrivalMs;
    const shortGap = arrivalMs - fromMs <= SHORT_GAP_MS || windowIndex === this.lastWindow;
    const stepMs = (arrivalMs - fromMs) / count;
    const counts = this.counts;
    for (let k = 1; k <= missing; k++) {
      let index = shortGap ? this.lastWindow : Math.floor((fromMs + k * stepMs) / this.windowMs);
      if (index < this.lastWindow) index = this.lastWindow;
      if (index > windowIndex) index = windowIndex;
      counts[index * COUNT_FIELDS + C_EXPECTED]++;
      counts[index * COUNT_FIELDS + C_TOUCHED] = 1;
      this.expectedWindowOf[(ext - count + k) & HORIZON_MASK] = index;
    }
    counts[windowIndex * COUNT_FIELDS + C_EXPECTED]++;
    this.expectedWindowOf[ext & HORIZON_MASK] = windowIndex;
  }

  /**
   * The extended sequence number `seq` would have if it is in order, a little ahead (< MAX_DROPOUT)
   * or at most `maxBehind` behind the highest (default MAX_MISORDER, what counts as reordering; a
   * retransmission may come from much further back, up to SEQ_MOD - MAX_DROPOUT); -1 otherwise or
   * before the first packet. Pure: lets the receiver session tell a retransmission apart before
   * accounting it.
   */
  peekExtended(seq: number, maxBehind: number = MAX_MISORDER): number {
    if (!this.started) return -1;
    const delta = (seq - this.maxSeq + SEQ_MOD) & 0xffff;
    if (delta < MAX_DROPOUT) return this.highestExt + delta;
    if (delta >= SEQ_MOD - Math.min(maxBehind, SEQ_MOD - MAX_DROPOUT)) return this.highestExt - (SEQ_MOD - delta);
    return -1;
  }

  /** The highest extended sequence number received (RFC 3550 A.1 cycles + max_seq). */
  get extendedHighest(): number {
    return this.highestExt;
  }

  /** The current RFC 3550 interarrival jitter in RTP timestamp units (what a report block carries). */
  get jitterUnits(): number {
    return this.jitter;
  }

  /** Header + payload bytes received so far. */
  get bytesReceived(): number {
    return this.totalBytes;
  }

  /** Received packets so far (duplicates excluded). */
  get received(): number {
    return this.totalReceived;
  }

  /** Expected packets so far (RFC 3550 A.3: extended highest - base + 1). */
  get expected(): number {
    return this.started ? this.highestExt - this.baseExt + 1 : 0;
  }

  /** Current RFC 3550 interarrival jitter, ms. */
  get jitterMs(): number {
    return (this.jitter * 1000) / this.clockRateHz;
  }

  /** Windows touched so far (highest window index + 1). */
  get windowCount(): number {
    return this.windowsUsed;
  }

  /** Records the span from `lastSeenMs` to `arrivalMs` (the packet being accounted) as a silence. */
  private recordSilence(): void {
    const spans = this.silenceSpans;
    const startMs = this.lastSeenMs;
    const endMs = this.arrivalMs;
    let slot = this.silenceCount;
    if (slot === MAX_SILENCES) {
      slot = 0;
      for (let i = 1; i < MAX_SILENCES; i++) if (spans[2 * i + 1] - spans[2 * i] < spans[2 * slot + 1] - spans[2 * slot]) slot = i;
      if (endMs - startMs <= spans[2 * slot + 1] - spans[2 * slot]) return;
    } else {
      this.silenceCount++;
    }
    spans[2 * slot] = startMs;
    spans[2 * slot + 1] = endMs;
  }

  /** One window's figures, or null when no packet touched it (live displays; allocates). */
  windowStats(index: number): WindowStats | null {
    if (index < 0 || index >= this.windowsUsed || this.counts[index * COUNT_FIELDS + C_TOUCHED] === 0) return null;
    return this.toWindowStats(index);
  }

  private toWindowStats(index: number): WindowStats {
    const c = index * COUNT_FIELDS;
    const f = index * FLOAT_FIELDS;
    const counts = this.counts;
    const delayCount = counts[c + C_DELAY_COUNT];
    return {
      index,
      received: counts[c + C_RECEIVED],
      expected: counts[c + C_EXPECTED],
      lost: Math.max(0, counts[c + C_EXPECTED] - counts[c + C_FILLED]),
      duplicates: counts[c + C_DUPLICATES],
      reordered: counts[c + C_REORDERED],
      bytes: counts[c + C_BYTES],
      jitterMs: this.floats[f + F_JITTER_MS],
      delayMsAvg: delayCount > 0 ? this.floats[f + F_DELAY_SUM_MS] / delayCount : null,
      delayMsMax: delayCount > 0 ? this.floats[f + F_DELAY_MAX_MS] : null,
      frames: counts[c + C_FRAMES],
    };
  }

  /**
   * The stream's report, called once at the end of a run. Windows are dense from 0 to
   * `windowCount - 1` (default: the last window the stream touched); packets that arrived after
   * the run's last window (held back by a jitter spike) are folded into that last window.
   */
  report(windowCount?: number): StreamReport {
    const count = Math.max(windowCount ?? this.windowsUsed, 1);
    const windows: WindowStats[] = [];
    for (let i = 0; i < count; i++) {
      windows.push(i < this.windowsUsed ? this.toWindowStats(i) : emptyWindow(i));
    }
    const last = windows[count - 1];
    for (let i = count; i < this.windowsUsed; i++) {
      if (this.counts[i * COUNT_FIELDS + C_TOUCHED] === 0) continue;
      const late = this.toWindowStats(i);
      last.received += late.received;
      last.expected += late.expected;
      last.lost += late.lost;
      last.duplicates += late.duplicates;
      last.reordered += late.reordered;
      last.bytes += late.bytes;
      last.frames += late.frames;
    }
    const expected = this.expected;
    return {
      ssrc: this.ssrc,
      participantId: this.participantId,
      ...(this.rid !== null ? { rid: this.rid } : {}),
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
      viewer: null,
      silences: this.silences(),
    };
  }

  /** The recorded silences in time order. */
  private silences(): { startMs: number; endMs: number }[] {
    const out: { startMs: number; endMs: number }[] = [];
    for (let i = 0; i < this.silenceCount; i++) out.push({ startMs: this.silenceSpans[2 * i], endMs: this.silenceSpans[2 * i + 1] });
    return out.sort((a, b) => a.startMs - b.startMs);
  }
}

const JUMP_LOSS = 0;
const JUMP_LATE = 1;
const JUMP_UNEXPLAINED = 2;

function emptyWindow(index: number): WindowStats {
  return { index, received: 0, expected: 0, lost: 0, duplicates: 0, reordered: 0, bytes: 0, jitterMs: 0, delayMsAvg: null, delayMsMax: null, frames: 0 };
}
