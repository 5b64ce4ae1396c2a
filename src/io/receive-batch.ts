import type { NativeBatchHandle, NativeUdpBinding } from './native-binding.js';
import type { UdpDestination } from './udp-destination.js';

/**
 * What a `demux` socket's receive batch says about each datagram (`ReceiveBatch.kind`), by its
 * first byte as RFC 7983 says. Sockets opened without `demux` report `plain` for all.
 */
export const DATAGRAM_KIND = {
  /** Not classified (a plain RTP/RTCP socket). */
  plain: 0,
  /** RTP or RTCP, unprotected in place by the attached SRTP session. */
  media: 1,
  /** STUN (first byte 0-3) or DTLS (20-63), or RTP/RTCP before an SRTP session was attached: for the ICE/DTLS stack. */
  pass: 2,
  /** SRTP/SRTCP the session refused (tag, replay, too old, malformed); its counters say why. */
  rejected: 3,
  /** None of those ranges (TURN channel data, ZRTP, empty): dropped. */
  other: 4,
} as const;

/** Sizes of a receive batch. */
export interface ReceiveBatchOptions {
  /** Datagrams per batch (one recvmmsg call, one JS callback); default 256. */
  capacity?: number;
  /** Bytes per datagram slot; longer datagrams are cut and flagged `truncated`. Default 2048. */
  slotBytes?: number;
}

/**
 * Where received datagrams land: `capacity` fixed slots of `slotBytes` in one slab, described by
 * typed arrays indexed by datagram (0 .. count-1 of the `onBatch(count)` call).
 *
 * The contents are valid only while `onBatch` runs: the next batch overwrites them. Copy what you
 * keep. One batch may serve several sockets (their callbacks never overlap).
 */
export class ReceiveBatch {
  readonly capacity: number;
  readonly slotBytes: number;
  /** The slab: datagram i is `data[offset[i] .. offset[i] + length[i])`. */
  readonly data: Buffer;
  /** Start of each datagram in `data` (fixed: i × slotBytes). */
  readonly offset: Uint32Array;
  /** Bytes of each datagram that are in its slot. */
  readonly length: Uint32Array;
  /** Source address family, 4 or 6 (IPv4-mapped IPv6 sources are reported as 4). */
  readonly family: Uint8Array;
  /** Source address, 4 host-order words per datagram (IPv4 in word 4i). */
  readonly address: Uint32Array;
  /** Source port. */
  readonly port: Uint16Array;
  /** When the kernel received the datagram (SO_TIMESTAMPNS), epoch ms; the read time if it gave none. */
  readonly arrivalEpochMs: Float64Array;
  /** 1 when the datagram was longer than `slotBytes` and was cut (MSG_TRUNC). */
  readonly truncated: Uint8Array;
  /** `DATAGRAM_KIND` of each datagram (`plain` unless the socket was opened with `demux`). */
  readonly kind: Uint8Array;
  /** @internal The addon's scratch memory for this batch. */
  readonly handle: NativeBatchHandle;

  /** @internal Made by `BatchedUdp.createReceiveBatch`. */
  constructor(native: NativeUdpBinding, options: ReceiveBatchOptions = {}) {
    this.capacity = positiveInteger(options.capacity ?? 256, 'capacity');
    this.slotBytes = positiveInteger(options.slotBytes ?? 2048, 'slotBytes');
    this.data = Buffer.alloc(this.capacity * this.slotBytes);
    this.offset = new Uint32Array(this.capacity);
    for (let i = 0; i < this.capacity; i++) this.offset[i] = i * this.slotBytes;
    this.length = new Uint32Array(this.capacity);
    this.family = new Uint8Array(this.capacity);
    this.address = new Uint32Array(this.capacity * 4);
    this.port = new Uint16Array(this.capacity);
    this.arrivalEpochMs = new Float64Array(this.capacity);
    this.truncated = new Uint8Array(this.capacity);
    this.kind = new Uint8Array(this.capacity);
    this.handle = native.createReceiveBatch(this.capacity, this.slotBytes, this.data, this.length, this.family, this.address, this.port, this.arrivalEpochMs, this.truncated, this.kind);
  }

  /** Copies datagram `index`'s source into `out` (no allocation) and returns it. */
  sourceInto(index: number, out: UdpDestination): UdpDestination {
    out.family = this.family[index] === 6 ? 6 : 4;
    const a = this.address;
    const k = index * 4;
    out.address[0] = a[k];
    out.address[1] = a[k + 1];
    out.address[2] = a[k + 2];
    out.address[3] = a[k + 3];
    out.port = this.port[index];
    return out;
  }

  /** Datagram `index` as a Buffer view of the slab (allocates a view: for tests and logs, not per packet). */
  datagram(index: number): Buffer {
    return this.data.subarray(this.offset[index], this.offset[index] + this.length[index]);
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`ReceiveBatch ${name} must be a positive integer, got ${value}`);
  return value;
}
