/**
 * The packets a stream sent recently, so a NACK can be answered (pion's nack send buffer idea): a
 * power-of-two ring indexed by sequence number. A slot keeps what differs between the stream's
 * packets - sequence number, RTP timestamp, marker - and a reference to the shared, immutable
 * payload buffer; everything else in the header is the stream's own, so a resend re-stamps a copy
 * of the stream's header. Recording a packet is four typed-array stores: nothing is copied or
 * allocated.
 */
export class SendHistory {
  readonly capacity: number;
  private readonly mask: number;
  /** Sequence number held by each slot, -1 when empty. */
  private readonly seqs: Int32Array;
  private readonly timestamps: Uint32Array;
  private readonly markers: Uint8Array;
  private readonly payloads: (Buffer | null)[];
  /** When each slot was last retransmitted (run ms), -Infinity when never. */
  private readonly resentAtMs: Float64Array;

  /** `minPackets`: how many of the latest packets must stay answerable (rounded up to a power of two). */
  constructor(minPackets: number) {
    let capacity = 16;
    while (capacity < minPackets && capacity < 1 << 15) capacity <<= 1;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.seqs = new Int32Array(capacity).fill(-1);
    this.timestamps = new Uint32Array(capacity);
    this.markers = new Uint8Array(capacity);
    this.payloads = new Array<Buffer | null>(capacity).fill(null);
    this.resentAtMs = new Float64Array(capacity).fill(-Infinity);
  }

  /**
   * Called for every packet the stream sends (before any network impairment), in sequence order.
   * `timestamp` may be either view of the 32 bits (`ts | 0` avoids boxing at the call).
   */
  record(sequenceNumber: number, timestamp: number, marker: boolean, payload: Buffer): void {
    const slot = sequenceNumber & this.mask;
    this.seqs[slot] = sequenceNumber;
    this.timestamps[slot] = timestamp;
    this.markers[slot] = marker ? 1 : 0;
    this.payloads[slot] = payload;
    this.resentAtMs[slot] = -Infinity;
  }

  /** The slot holding `sequenceNumber`, or -1 when it was never sent or has been overwritten. */
  find(sequenceNumber: number): number {
    const slot = sequenceNumber & this.mask;
    return this.seqs[slot] === sequenceNumber ? slot : -1;
  }

  timestamp(slot: number): number {
    return this.timestamps[slot];
  }

  marker(slot: number): boolean {
    return this.markers[slot] === 1;
  }

  payload(slot: number): Buffer {
    return this.payloads[slot]!;
  }

  resentAt(slot: number): number {
    return this.resentAtMs[slot];
  }

  markResent(slot: number, nowMs: number): void {
    this.resentAtMs[slot] = nowMs;
  }
}
