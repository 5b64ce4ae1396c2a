import { UdpDestination, type BatchedUdpSocket, type ReceiveBatch, type SendBatch } from '../io/index.js';
import type { ReturnPath } from './receiver-session.js';

/** One source: its numeric address (int32 words), port, and the return path that answers it. */
interface Source {
  readonly family: number;
  readonly a0: number;
  readonly a1: number;
  readonly a2: number;
  readonly a3: number;
  readonly port: number;
  readonly path: ReturnPath;
  /** Another source whose address words fold to the same key (see `keyOf`). */
  next: Source | null;
}

/**
 * The probe's return paths on the batched layer: one per source address and port, found per
 * datagram from the receive batch's numeric source without allocating. The last source is
 * compared first (a batch is usually a run of one sender's packets); otherwise a two-level Map
 * keyed by int32 values (address words folded, then the port): an int32 key is a small integer
 * in V8, where a uint32 above 2^31 would be a heap number boxed per lookup. A source's RTCP is
 * copied into the probe's send batch with its destination; the probe flushes it after each tick.
 */
export class UdpReturnPaths {
  private readonly sources = new Map<number, Map<number, Source>>();
  private last: Source | null = null;
  private readonly socket: BatchedUdpSocket;
  private readonly batch: SendBatch;

  /** RTCP goes out on `socket` (unconnected) through `batch`, which its owner flushes. */
  constructor(socket: BatchedUdpSocket, batch: SendBatch) {
    this.socket = socket;
    this.batch = batch;
  }

  /** The return path to the sender of datagram `index` of `received`; allocates only for a source not seen before. */
  find(received: ReceiveBatch, index: number): ReturnPath {
    const words = received.address;
    const k = index * 4;
    const a0 = words[k] | 0;
    const a1 = words[k + 1] | 0;
    const a2 = words[k + 2] | 0;
    const a3 = words[k + 3] | 0;
    const port = received.port[index];
    const family = received.family[index];
    const last = this.last;
    if (last !== null && last.port === port && last.a0 === a0 && last.a1 === a1 && last.a2 === a2 && last.a3 === a3 && last.family === family) return last.path;
    const byPort = this.sources.get(keyOf(a0, a1, a2, a3));
    let source: Source | null = byPort === undefined ? null : (byPort.get(port) ?? null);
    while (source !== null && !(source.a0 === a0 && source.a1 === a1 && source.a2 === a2 && source.a3 === a3 && source.family === family)) source = source.next;
    if (source === null) source = this.add(received, index, a0, a1, a2, a3, port, family);
    this.last = source;
    return source.path;
  }

  private add(received: ReceiveBatch, index: number, a0: number, a1: number, a2: number, a3: number, port: number, family: number): Source {
    const destination = received.sourceInto(index, new UdpDestination());
    const socket = this.socket;
    const batch = this.batch;
    const path: ReturnPath = {
      send: (buf, length) => {
        if (batch.push(socket, buf, length, null, destination)) return;
        batch.flush();
        batch.push(socket, buf, length, null, destination);
      },
    };
    const key = keyOf(a0, a1, a2, a3);
    let byPort = this.sources.get(key);
    if (byPort === undefined) {
      byPort = new Map();
      this.sources.set(key, byPort);
    }
    const source: Source = { family, a0, a1, a2, a3, port, path, next: byPort.get(port) ?? null };
    byPort.set(port, source);
    return source;
  }
}

/** The first-level key: the address words folded into one int32 (IPv4 is word 0 alone). */
function keyOf(a0: number, a1: number, a2: number, a3: number): number {
  return a0 ^ a1 ^ a2 ^ a3;
}
