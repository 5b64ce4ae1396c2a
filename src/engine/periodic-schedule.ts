/**
 * One medium's send schedule for all participants of a partition: every stream is due at
 * `offsetMs + n * periodMs`. Streams are kept sorted by offset inside one period, so the order never
 * changes and finding the due ones is a cursor walk: O(1) per frame, no heap, no timer per
 * participant (pion's pacing idea: one loop, a bounded amount of work per tick).
 */
/**
 * Where a stream with start offset `offsetMs` sits inside the period: its frame n is due at this
 * + n * periodMs (an offset may exceed the period: audio's 20 ms period with a stagger drawn over
 * video's 33 ms). Frame n carries RTP timestamp tsStart + n * step, so this is also the run time of
 * tsStart on the stream's media clock.
 */
export function offsetInPeriodMs(offsetMs: number, periodMs: number): number {
  return ((offsetMs % periodMs) + periodMs) % periodMs;
}

export class PeriodicSchedule {
  readonly periodMs: number;
  /** Stream ids (indexes into the engine's stream table) ordered by offset. */
  private readonly order: Int32Array;
  private readonly offsetsMs: Float64Array;
  private cursor = 0;
  private cycle = 0;

  constructor(periodMs: number, streams: { id: number; offsetMs: number }[]) {
    this.periodMs = periodMs;
    // Sorted by the offset inside the period, so the cursor walk sees due times ascending.
    const inPeriod = streams.map((s) => ({ id: s.id, offsetMs: offsetInPeriodMs(s.offsetMs, periodMs) }));
    const sorted = inPeriod.sort((a, b) => a.offsetMs - b.offsetMs || a.id - b.id);
    this.order = Int32Array.from(sorted.map((s) => s.id));
    this.offsetsMs = Float64Array.from(sorted.map((s) => s.offsetMs));
  }

  get size(): number {
    return this.order.length;
  }

  /** Run-relative time at which the next stream is due; Infinity when there are no streams. */
  nextDueMs(): number {
    if (this.order.length === 0) return Infinity;
    return this.cycle * this.periodMs + this.offsetsMs[this.cursor];
  }

  /**
   * Moves the cursor past everything due before `nowMs` without emitting it: a partition that
   * (re)joins a run late starts with the frame that is due now, keeping frame numbers (and so RTP
   * timestamps) on the run's grid.
   */
  skipTo(nowMs: number): void {
    const count = this.order.length;
    if (count === 0 || nowMs <= 0) return;
    this.cycle = Math.floor(nowMs / this.periodMs);
    this.cursor = 0;
    while (this.cursor < count && this.cycle * this.periodMs + this.offsetsMs[this.cursor] < nowMs) this.cursor++;
    if (this.cursor === count) {
      this.cursor = 0;
      this.cycle++;
    }
  }

  /**
   * Calls `emit(streamId, dueMs, frameNumber)` for every stream due at or before `nowMs`, in due
   * order, and returns how many were emitted. `frameNumber` counts periods since the run start.
   */
  drain(nowMs: number, emit: (streamId: number, dueMs: number, frameNumber: number) => void): number {
    let emitted = 0;
    const count = this.order.length;
    if (count === 0) return 0;
    for (;;) {
      const dueMs = this.cycle * this.periodMs + this.offsetsMs[this.cursor];
      if (dueMs > nowMs) return emitted;
      emit(this.order[this.cursor], dueMs, this.cycle);
      emitted++;
      if (++this.cursor === count) {
        this.cursor = 0;
        this.cycle++;
      }
    }
  }
}
