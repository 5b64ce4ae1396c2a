/**
 * The packets a stream sent recently, so a NACK can be answered (pion's nack send buffer idea): a
 * power-of-two ring indexed by sequence number. Each slot holds a copy of the stamped header (in
 * one slab allocated up front) and a reference to the shared, immutable payload buffer; recording
 * a packet copies ~28 bytes and allocates nothing.
 */
export class SendHistory {
  readonly capacity: number;
  readonly headerBytes: number;
  private readonly mask: number;
  /** Sequence number held by each slot, -1 when empty. */
  private readonly seqs: Int32Array;
  private readonly headerLengths: Int32Array;
  private readonly headers: Buffer[];
  private readonly payloads: (Buffer | null)[];
  private readonly sentAtMs: Float64Array;
  /** When each slot was last retransmitted (run ms), -Infinity when never. */
  private readonly resentAtMs: Float64Array;

  /**
   * `minPackets`: how many of the latest packets must stay answerable (rounded up to a power of
   * two); `headerBytes`: the largest header recorded (12 + extensions).
   */
  constructor(minPackets: number, headerBytes: number) {
    let capacity = 16;
    while (capacity < minPackets && capacity < 1 << 15) capacity <<= 1;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.headerBytes = headerBytes;
    this.seqs = new Int32Array(capacity).fill(-1);
    this.headerLengths = new Int32Array(capacity);
    const slab = Buffer.alloc(capacity * headerBytes);
    this.headers = Array.from({ length: capacity }, (_, i) => slab.subarray(i * headerBytes, (i + 1) * headerBytes));
    this.payloads = new Array<Buffer | null>(capacity).fill(null);
    this.sentAtMs = new Float64Array(capacity);
    this.resentAtMs = new Float64Array(capacity).fill(-Infinity);
  }

  /** Called for every packet the stream sends (before any network impairment), in sequence order. */
  record(sequenceNumber: number, header: Buffer, headerLength: number, payload: Buffer, nowMs: number): void {
    const slot = sequenceNumber & this.mask;
    this.seqs[slot] = sequenceNumber;
    header.copy(this.headers[slot], 0, 0, headerLength);
    this.headerLengths[slot] = headerLength;
    this.payloads[slot] = payload;
    this.sentAtMs[slot] = nowMs;
    this.resentAtMs[slot] = -Infinity;
  }

  /** The slot holding `sequenceNumber`, or -1 when it was never sent or has been overwritten. */
  find(sequenceNumber: number): number {
    const slot = sequenceNumber & this.mask;
    return this.seqs[slot] === sequenceNumber ? slot : -1;
  }

  /** The slot's header copy (`headerLength(slot)` valid bytes; the caller may re-stamp it in place). */
  header(slot: number): Buffer {
    return this.headers[slot];
  }

  headerLength(slot: number): number {
    return this.headerLengths[slot];
  }

  payload(slot: number): Buffer {
    return this.payloads[slot]!;
  }

  sentAt(slot: number): number {
    return this.sentAtMs[slot];
  }

  resentAt(slot: number): number {
    return this.resentAtMs[slot];
  }

  markResent(slot: number, nowMs: number): void {
    this.resentAtMs[slot] = nowMs;
  }
}
