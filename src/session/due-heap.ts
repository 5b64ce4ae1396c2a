/**
 * When each of many streams next needs attention (an RTCP report, a NACK retry, a playout
 * deadline): a binary min-heap of (dueMs, id) pairs in typed arrays, so one loop serves every
 * stream instead of a timer per stream. Entries are never updated in place: an owner pushes a new
 * due time and ignores stale ones when they pop (it knows its own current due time). Grows by
 * doubling when full (rare: at most a few live entries per id).
 */
export class DueHeap {
  private due: Float64Array;
  private ids: Int32Array;
  private size = 0;

  constructor(initialCapacity = 64) {
    const capacity = Math.max(4, initialCapacity);
    this.due = new Float64Array(capacity);
    this.ids = new Int32Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** The earliest due time held, or Infinity when empty. */
  peekDueMs(): number {
    return this.size === 0 ? Infinity : this.due[0];
  }

  push(dueMs: number, id: number): void {
    if (this.size === this.due.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.due[parent] <= dueMs) break;
      this.due[i] = this.due[parent];
      this.ids[i] = this.ids[parent];
      i = parent;
    }
    this.due[i] = dueMs;
    this.ids[i] = id;
  }

  /** Removes the earliest entry if it is due at or before `nowMs` and returns its id, else -1. */
  popDue(nowMs: number): number {
    if (this.size === 0 || this.due[0] > nowMs) return -1;
    const id = this.ids[0];
    const lastDue = this.due[--this.size];
    const lastId = this.ids[this.size];
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && this.due[right] < this.due[left] ? right : left;
      if (this.due[child] >= lastDue) break;
      this.due[i] = this.due[child];
      this.ids[i] = this.ids[child];
      i = child;
    }
    if (this.size > 0) {
      this.due[i] = lastDue;
      this.ids[i] = lastId;
    }
    return id;
  }

  private grow(): void {
    const due = new Float64Array(this.due.length * 2);
    due.set(this.due);
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    this.due = due;
    this.ids = ids;
  }
}
