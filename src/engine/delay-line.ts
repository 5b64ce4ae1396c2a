/**
 * Packets held back by network-side impairments (jitter, bandwidth queues) until their leave time.
 * A binary min-heap over preallocated slots: the header (or a whole RTCP packet) is copied into
 * the slot's own buffer (the caller's buffer is reused for the next packet), the payload is the
 * shared, immutable media buffer. Bounded: when every slot is taken the packet is dropped and
 * counted, never queued by growth. A packet leaves with a view of its slot exactly as long as its
 * header; views are cached per slot, so packets of one length (media) never allocate one.
 */
export interface DelayedSender {
  sendDelayed(streamId: number, kind: number, header: Buffer, headerLength: number, payload: Buffer): void;
}

export class DelayLine {
  readonly capacity: number;
  private readonly dueMs: Float64Array;
  private readonly streamIds: Int32Array;
  private readonly kinds: Uint8Array;
  private readonly headerLengths: Int32Array;
  private readonly headers: Buffer[];
  /** Per slot, a view of its header buffer of the length last used (reused while lengths repeat). */
  private readonly views: Buffer[];
  private readonly payloads: (Buffer | null)[];
  /** heap[i] = slot index; free = stack of unused slots. */
  private readonly heap: Int32Array;
  private readonly free: Int32Array;
  private size = 0;
  private freeTop: number;
  /** Packets dropped because every slot was in use. */
  overflowDrops = 0;

  constructor(capacity: number, maxHeaderBytes: number) {
    this.capacity = capacity;
    this.dueMs = new Float64Array(capacity);
    this.streamIds = new Int32Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.headerLengths = new Int32Array(capacity);
    // One slab for all header copies: a single allocation for the engine's lifetime.
    const slab = Buffer.alloc(capacity * maxHeaderBytes);
    this.headers = Array.from({ length: capacity }, (_, i) => slab.subarray(i * maxHeaderBytes, (i + 1) * maxHeaderBytes));
    this.views = this.headers.slice();
    this.payloads = new Array<Buffer | null>(capacity).fill(null);
    this.heap = new Int32Array(capacity);
    this.free = Int32Array.from({ length: capacity }, (_, i) => capacity - 1 - i);
    this.freeTop = capacity;
  }

  get length(): number {
    return this.size;
  }

  /** Earliest leave time held, or Infinity when empty. */
  nextDueMs(): number {
    return this.size === 0 ? Infinity : this.dueMs[this.heap[0]];
  }

  /**
   * Holds a packet until `dueMs`; returns false (and counts an overflow drop) when full or when the
   * header is longer than a slot. `kind` is the caller's tag (media, retransmission, RTCP).
   */
  push(dueMs: number, streamId: number, kind: number, header: Buffer, headerLength: number, payload: Buffer): boolean {
    if (this.freeTop === 0 || headerLength > this.headers[0].length) {
      this.overflowDrops++;
      return false;
    }
    const slot = this.free[--this.freeTop];
    this.dueMs[slot] = dueMs;
    this.streamIds[slot] = streamId;
    this.kinds[slot] = kind;
    this.headerLengths[slot] = headerLength;
    header.copy(this.headers[slot], 0, 0, headerLength);
    this.payloads[slot] = payload;
    let i = this.size++;
    this.heap[i] = slot;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.dueMs[this.heap[parent]] <= dueMs) break;
      this.heap[i] = this.heap[parent];
      this.heap[parent] = slot;
      i = parent;
    }
    return true;
  }

  /** Sends every packet due at or before `nowMs`, in leave-time order; returns how many. */
  drain(nowMs: number, sender: DelayedSender): number {
    let sent = 0;
    while (this.size > 0 && this.dueMs[this.heap[0]] <= nowMs) {
      const slot = this.heap[0];
      const last = this.heap[--this.size];
      if (this.size > 0) this.siftDown(last);
      const length = this.headerLengths[slot];
      let view = this.views[slot];
      if (view.length !== length) {
        view = this.headers[slot].subarray(0, length);
        this.views[slot] = view;
      }
      sender.sendDelayed(this.streamIds[slot], this.kinds[slot], view, length, this.payloads[slot]!);
      this.payloads[slot] = null;
      this.free[this.freeTop++] = slot;
      sent++;
    }
    return sent;
  }

  private siftDown(slot: number): void {
    const due = this.dueMs[slot];
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && this.dueMs[this.heap[right]] < this.dueMs[this.heap[left]] ? right : left;
      if (this.dueMs[this.heap[child]] >= due) break;
      this.heap[i] = this.heap[child];
      i = child;
    }
    this.heap[i] = slot;
  }
}
