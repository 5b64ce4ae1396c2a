import { AvcmError } from '../errors/index.js';
import type { BatchedUdpSocket } from './batched-udp-socket.js';
import type { NativeBatchHandle, NativeUdpBinding } from './native-binding.js';
import type { UdpDestination } from './udp-destination.js';

/** Sizes of a send batch. */
export interface SendBatchOptions {
  /** Packets per flush; default 1024. */
  capacity?: number;
  /** The longest packet (header + payload) `push` accepts, bytes; default 1500. The slab is capacity × this. */
  maxPacketBytes?: number;
}

/** What flushes did. Packets are RTP packets (datagrams on the wire); nothing is ever dropped silently. */
export interface FlushFigures {
  /** Packets the kernel accepted. */
  packetsSent: number;
  bytesSent: number;
  /** Packets not sent: full socket buffer, a send error, or their socket was closed before the flush. */
  packetsDropped: number;
  /** Send calls refused with EAGAIN/ENOBUFS (full socket buffer); the rest of that socket's run was dropped. */
  wouldBlock: number;
  /** Failed sends other than would-block (ECONNREFUSED after an ICMP port unreachable, closed socket...). */
  errors: number;
  /** System calls made (sendmmsg). */
  sendCalls: number;
  /** UDP GSO super-datagrams among the sent messages (each carried 2..64 packets). */
  gsoDatagrams: number;
  /** Sockets whose GSO the kernel refused during the flush; they use plain sendmmsg from then on. */
  gsoFallbacks: number;
}

function zeroFigures(): FlushFigures {
  return { packetsSent: 0, bytesSent: 0, packetsDropped: 0, wouldBlock: 0, errors: 0, sendCalls: 0, gsoDatagrams: 0, gsoFallbacks: 0 };
}

/**
 * A preallocated batch of outgoing packets for any number of sockets. `push` COPIES the header and
 * payload into one slab (so the caller may reuse its header buffer at once); `flush` hands the
 * whole batch to the kernel in ONE native call. Consecutive packets on the same connected socket
 * go out as UDP GSO super-datagrams (equal sizes, a shorter last one) or one sendmmsg; keep a
 * participant's packets of one tick together to get the most from that.
 *
 * Full socket buffers are not waited for: the rest of that socket's run in this flush is dropped
 * and counted (`wouldBlock`, `packetsDropped`), because a pacer must not block and a retry at once
 * meets the same full buffer.
 */
export class SendBatch {
  readonly capacity: number;
  readonly maxPacketBytes: number;
  /** What the last `flush` did (overwritten by each flush; zero after an empty one). */
  readonly lastFlush: FlushFigures = zeroFigures();
  /** Sums over every flush of this batch. */
  readonly totals: FlushFigures = zeroFigures();
  private readonly native: NativeUdpBinding;
  private readonly slab: Buffer;
  private readonly socketIds: Uint32Array;
  private readonly offsets: Uint32Array;
  private readonly lengths: Uint32Array;
  private readonly destinationFamily: Uint8Array;
  private readonly destinationPort: Uint16Array;
  private readonly destinationAddress: Uint32Array;
  private readonly result: Float64Array;
  private readonly resultKeys: (keyof FlushFigures)[];
  private readonly handle: NativeBatchHandle;
  private count = 0;
  private usedBytes = 0;

  /** @internal Made by `BatchedUdp.createSendBatch`. */
  constructor(native: NativeUdpBinding, options: SendBatchOptions = {}) {
    this.native = native;
    this.capacity = positiveInteger(options.capacity ?? 1024, 'capacity');
    this.maxPacketBytes = positiveInteger(options.maxPacketBytes ?? 1500, 'maxPacketBytes');
    this.slab = Buffer.alloc(this.capacity * this.maxPacketBytes);
    this.socketIds = new Uint32Array(this.capacity);
    this.offsets = new Uint32Array(this.capacity);
    this.lengths = new Uint32Array(this.capacity);
    this.destinationFamily = new Uint8Array(this.capacity);
    this.destinationPort = new Uint16Array(this.capacity);
    this.destinationAddress = new Uint32Array(this.capacity * 4);
    this.result = new Float64Array(native.FLUSH_NAMES.length);
    this.resultKeys = native.FLUSH_NAMES.map((name) => name as keyof FlushFigures);
    this.handle = native.createSendBatch(this.capacity, this.slab, this.socketIds, this.offsets, this.lengths, this.destinationFamily, this.destinationPort, this.destinationAddress, this.result);
  }

  /** Packets pushed since the last flush. */
  get length(): number {
    return this.count;
  }

  /**
   * Copies one packet (`header[0..headerLength)` then all of `payload`) into the batch. Returns
   * false, copying nothing, when the batch is full: flush, then push again. `destination` is for
   * unconnected sockets (or to override a connected one's peer); packets with one never use GSO.
   * Allocates nothing. Throws E_INTERNAL for a packet longer than `maxPacketBytes`.
   */
  push(socket: BatchedUdpSocket, header: Uint8Array, headerLength: number, payload: Uint8Array | null, destination?: UdpDestination): boolean {
    const i = this.count;
    const packetLength = headerLength + (payload === null ? 0 : payload.length);
    // A socket with SRTP gets its trailer protected in place at the flush: room for it stays free
    // after the packet (RTP or RTCP told apart as the addon does, RFC 7983 / RFC 5761).
    let trailer = 0;
    if (socket.rtpTrailerBytes !== 0 && headerLength >= 2) {
      const first = header[0];
      if (first >= 128 && first <= 191) {
        const second = header[1];
        trailer = second >= 192 && second <= 223 ? socket.rtcpTrailerBytes : socket.rtpTrailerBytes;
      }
    }
    if (packetLength + trailer > this.maxPacketBytes || headerLength > header.length) {
      throw new AvcmError('E_INTERNAL', `SendBatch.push: a ${packetLength}-byte packet (header ${headerLength} of ${header.length} bytes, trailer ${trailer}) does not fit a ${this.maxPacketBytes}-byte slot`);
    }
    if (i === this.capacity || this.usedBytes + packetLength + trailer > this.slab.length) return false;
    const offset = this.usedBytes;
    const slab = this.slab;
    // A short header is a loop, not a subarray: subarray would allocate a view per packet.
    if (headerLength === header.length) slab.set(header, offset);
    else for (let k = 0; k < headerLength; k++) slab[offset + k] = header[k];
    if (payload !== null) slab.set(payload, offset + headerLength);
    this.socketIds[i] = socket.id;
    this.offsets[i] = offset;
    this.lengths[i] = packetLength;
    if (destination === undefined) {
      this.destinationFamily[i] = 0;
    } else {
      const k = i * 4;
      const a = destination.address;
      this.destinationFamily[i] = destination.family;
      this.destinationPort[i] = destination.port;
      this.destinationAddress[k] = a[0];
      this.destinationAddress[k + 1] = a[1];
      this.destinationAddress[k + 2] = a[2];
      this.destinationAddress[k + 3] = a[3];
    }
    this.count = i + 1;
    this.usedBytes = offset + packetLength + trailer;
    return true;
  }

  /**
   * Sends every pushed packet in one native call and empties the batch. Returns the packets the
   * kernel accepted; `lastFlush` says what happened to the others, `totals` adds it up.
   * An empty batch makes no call.
   */
  flush(): number {
    const count = this.count;
    this.count = 0;
    this.usedBytes = 0;
    const last = this.lastFlush;
    const keys = this.resultKeys;
    if (count === 0) {
      for (let k = 0; k < keys.length; k++) last[keys[k]] = 0;
      return 0;
    }
    this.native.flush(this.handle, count);
    const result = this.result;
    const totals = this.totals;
    for (let k = 0; k < keys.length; k++) {
      last[keys[k]] = result[k];
      totals[keys[k]] += result[k];
    }
    return last.packetsSent;
  }

  /** Forgets pushed packets without sending them (not counted anywhere). */
  clear(): void {
    this.count = 0;
    this.usedBytes = 0;
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`SendBatch ${name} must be a positive integer, got ${value}`);
  return value;
}
