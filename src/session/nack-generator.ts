/**
 * The receiver's NACK list (RFC 4585 6.2.1; pion's receive log and generator interceptors, and
 * libwebrtc's NackRequester, are the shapes learned from): sequence numbers found missing when
 * the stream jumped ahead, NACKed after a short reordering wait and again every retry interval
 * until they arrive, their playout time passes, or the retries run out. Sorted typed arrays with
 * tombstones, bounded: a gap larger than the list clears it and asks for a keyframe instead.
 */
export const NACK_MODEL = {
  /** Wait before the first NACK for a gap: a reordered packet usually arrives within this. */
  REORDER_WAIT_MS: 10,
  /** Retry interval = max(this, the measured NACK round trip x RETRY_RTT_FACTOR). */
  MIN_RETRY_MS: 20,
  RETRY_RTT_FACTOR: 1.5,
  MAX_RETRIES: 10,
  /** Missing packets remembered at once (libwebrtc keeps up to 1000). */
  MAX_LIST: 1000,
  /**
   * How far back (sequence numbers) a NACKed number is remembered after it left the list (arrived,
   * settled, out of retries): every later copy of it is a retransmission, however late or repeated.
   * Covers the longest playout wait (2 s delay + 1 s NACK wait) at 1000 packets/s. A power of two.
   */
  NACKED_MEMORY: 4096,
} as const;
const NACKED_MASK = NACK_MODEL.NACKED_MEMORY - 1;

export class NackGenerator {
  private readonly ext: Float64Array;
  private readonly nextSendMs: Float64Array;
  private readonly lastSentMs: Float64Array;
  private readonly retries: Uint8Array;
  private readonly removed: Uint8Array;
  /** `ext | 0` of each number NACKed lately, at `ext & NACKED_MASK` (-1: none). */
  private readonly nackedRing = new Int32Array(NACK_MODEL.NACKED_MEMORY).fill(-1);
  private count = 0;
  /** EWMA of NACK -> arrival times, ms; 0 until measured. */
  roundTripMs = 0;
  /** The round trip `onArrival` measured when it last returned true, ms. */
  lastRoundTripMs = 0;
  /** Set when a gap overflowed the list: the caller should request a keyframe, then clear it. */
  overflowed = false;

  constructor(private readonly capacity: number = NACK_MODEL.MAX_LIST) {
    this.ext = new Float64Array(capacity);
    this.nextSendMs = new Float64Array(capacity);
    this.lastSentMs = new Float64Array(capacity);
    this.retries = new Uint8Array(capacity);
    this.removed = new Uint8Array(capacity);
  }

  get pending(): number {
    return this.count;
  }

  retryIntervalMs(): number {
    return Math.max(NACK_MODEL.MIN_RETRY_MS, this.roundTripMs * NACK_MODEL.RETRY_RTT_FACTOR);
  }

  /** The stream jumped from `fromExt` - 1 to `toExt` + 1: every number in [fromExt, toExt] is missing. */
  onGap(fromExt: number, toExt: number, nowMs: number): void {
    const missing = toExt - fromExt + 1;
    if (missing <= 0) return;
    if (this.count + missing > this.capacity) {
      this.compact();
      if (this.count + missing > this.capacity) {
        this.count = 0;
        this.overflowed = true;
        return;
      }
    }
    for (let e = fromExt; e <= toExt; e++) {
      const i = this.count++;
      this.ext[i] = e;
      this.nextSendMs[i] = nowMs + NACK_MODEL.REORDER_WAIT_MS;
      this.lastSentMs[i] = -1;
      this.retries[i] = 0;
      this.removed[i] = 0;
    }
  }

  /** Index of `ext` in the sorted list (tombstones included), or -1. */
  private indexOf(ext: number): number {
    let low = 0;
    let high = this.count - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const value = this.ext[mid];
      if (value < ext) low = mid + 1;
      else if (value > ext) high = mid - 1;
      else return this.removed[mid] ? -1 : mid;
    }
    return -1;
  }

  /**
   * Whether `ext` has been NACKed (within the last NACKED_MEMORY sequence numbers), so a copy of it
   * arriving now is a retransmission: also after its entry left the list (the first copy arrived,
   * its frame was played or given up, its retries ran out), since NACKs in flight are still answered.
   */
  wasNacked(ext: number): boolean {
    return this.nackedRing[ext & NACKED_MASK] === (ext | 0);
  }

  /**
   * A missing packet arrived (late or retransmitted): takes it off the list and returns true when
   * it had been NACKed (a recovery; its NACK round trip is measured).
   */
  onArrival(ext: number, nowMs: number): boolean {
    const i = this.indexOf(ext);
    if (i < 0) return false;
    this.removed[i] = 1;
    const sent = this.lastSentMs[i];
    if (sent < 0) return false;
    const sample = nowMs - sent;
    this.lastRoundTripMs = sample;
    this.roundTripMs = this.roundTripMs === 0 ? sample : this.roundTripMs + (sample - this.roundTripMs) / 8;
    return true;
  }

  /**
   * Collects the numbers to NACK now into `out` (16-bit sequence numbers, ascending) and returns
   * how many; drops entries that `isSettled` says are past their playout time or that ran out of
   * retries. At most `out.length` are collected per call (the rest stay due).
   */
  collectDue(nowMs: number, isSettled: (ext: number) => boolean, out: Uint16Array): number {
    let n = 0;
    let write = 0;
    const retry = this.retryIntervalMs();
    for (let read = 0; read < this.count; read++) {
      const ext = this.ext[read];
      if (this.removed[read] || isSettled(ext) || this.retries[read] >= NACK_MODEL.MAX_RETRIES) continue;
      if (this.nextSendMs[read] <= nowMs && n < out.length) {
        out[n++] = ext & 0xffff;
        this.nackedRing[ext & NACKED_MASK] = ext | 0;
        this.retries[read]++;
        this.lastSentMs[read] = nowMs;
        this.nextSendMs[read] = nowMs + retry;
      }
      if (write !== read) this.move(read, write);
      write++;
    }
    this.count = write;
    return n;
  }

  /** When the next NACK is due (Infinity when the list is empty). */
  nextDueMs(): number {
    let due = Infinity;
    for (let i = 0; i < this.count; i++) if (!this.removed[i] && this.nextSendMs[i] < due) due = this.nextSendMs[i];
    return due;
  }

  /** Drops tombstones. */
  private compact(): void {
    let write = 0;
    for (let read = 0; read < this.count; read++) {
      if (this.removed[read]) continue;
      if (write !== read) this.move(read, write);
      write++;
    }
    this.count = write;
  }

  private move(from: number, to: number): void {
    this.ext[to] = this.ext[from];
    this.nextSendMs[to] = this.nextSendMs[from];
    this.lastSentMs[to] = this.lastSentMs[from];
    this.retries[to] = this.retries[from];
    this.removed[to] = this.removed[from];
  }

  /** Forgets the list (a keyframe made the old packets useless); what was NACKed stays known as such. */
  clear(): void {
    this.count = 0;
  }
}
