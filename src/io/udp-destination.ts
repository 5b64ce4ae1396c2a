/**
 * A UDP peer in the numeric form the batches use: `family` 4 or 6, `address` as four host-order
 * 32-bit words (IPv4 in word 0, e.g. 127.0.0.1 = 0x7f000001), `port`. Mutable and reusable:
 * `ReceiveBatch.sourceInto` fills one from a received datagram and `SendBatch.push` takes it, so
 * answering a sender allocates nothing. Make one from text with `BatchedUdp.destination`.
 */
export class UdpDestination {
  family: 4 | 6 = 4;
  readonly address = new Uint32Array(4);
  port = 0;

  /** Copies `other` into this one. */
  copyFrom(other: UdpDestination): this {
    this.family = other.family;
    this.address.set(other.address);
    this.port = other.port;
    return this;
  }

  /** Whether both name the same peer. */
  equals(other: UdpDestination): boolean {
    const a = this.address;
    const b = other.address;
    return this.family === other.family && this.port === other.port && a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
  }
}
