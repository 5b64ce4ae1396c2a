import dgram from 'node:dgram';
import type { BatchedUdpSocket, IoChoice, ReceiveBatch, UdpSocketCounters } from '../io/index.js';
import type { Endpoint } from '../plan/types.js';

/** Receive buffer the sink asks for: a burst must not overflow it (the kernel caps it at rmem_max). */
const RECEIVE_BUFFER_BYTES = 128 << 20;
/** Datagrams per receive call on the batched path. */
const RECEIVE_BATCH_DATAGRAMS = 256;

/**
 * Where a send-only benchmark pass (`avcm bench --no-probe`) sends: a socket that counts datagrams
 * and bytes and nothing else, so the pass measures the engines, not the probe. On the batched path
 * recvmmsg fills a batch and JS adds up its lengths once per batch; the kernel's drops at this
 * socket (SO_RXQ_OVFL) are read from its counters. On dgram it is one event per datagram, as any
 * dgram receiver.
 */
export class CountingSink {
  readonly address: Endpoint;
  readonly io: 'batched' | 'dgram';
  datagrams = 0;
  bytes = 0;
  private readonly close_: () => void;
  private readonly drops: () => number | null;

  private constructor(address: Endpoint, io: 'batched' | 'dgram', close: () => void, drops: () => number | null) {
    this.address = address;
    this.io = io;
    this.close_ = close;
    this.drops = drops;
  }

  /** Binds an ephemeral port on 127.0.0.1 on the chosen I/O path and starts counting. */
  static async open(io: IoChoice): Promise<CountingSink> {
    if (io.path === 'batched') {
      const socket: BatchedUdpSocket = io.udp.openSocket({ bind: { host: '127.0.0.1', port: 0 }, receiveBufferBytes: RECEIVE_BUFFER_BYTES, label: 'the counting sink' });
      const batch: ReceiveBatch = io.udp.createReceiveBatch({ capacity: RECEIVE_BATCH_DATAGRAMS });
      const counters = {} as UdpSocketCounters;
      const sink = new CountingSink({ host: socket.local.host, port: socket.local.port }, 'batched', () => socket.close(), () => socket.counters(counters).kernelDrops);
      const lengths = batch.length;
      socket.startReceiving(batch, (count) => {
        let bytes = 0;
        for (let i = 0; i < count; i++) bytes += lengths[i];
        sink.datagrams += count;
        sink.bytes += bytes;
      });
      return sink;
    }
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const bound = socket.address();
    const sink = new CountingSink({ host: bound.address, port: bound.port }, 'dgram', () => socket.close(), () => null);
    socket.on('message', (message) => {
      sink.datagrams++;
      sink.bytes += message.length;
    });
    socket.on('error', () => undefined);
    return sink;
  }

  /** Datagrams the kernel dropped at this socket (batched path); null where the path cannot tell. */
  kernelDrops(): number | null {
    return this.drops();
  }

  close(): void {
    this.close_();
  }
}
