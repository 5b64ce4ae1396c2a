import { AvcmError } from '../errors/index.js';
import { DELAY_BUCKET_MS, DELAY_BUCKETS, DelayHistogram } from '../health/index.js';
import { resolveEndpoint, type BatchedUdp, type BatchedUdpSocket, type ReceiveBatch, type SendBatch, type UdpSocketCounters } from '../io/index.js';
import type { Endpoint } from '../plan/types.js';
import { listenError } from './listen-error.js';
import type { DatagramSink, ProbeSocket } from './probe-socket.js';
import { UdpReturnPaths } from './udp-return-paths.js';

/** Datagrams read per receive call (one JS call per batch). */
const RECEIVE_BATCH_DATAGRAMS = 256;
/** RTCP compounds (RR, NACK, PLI) queued between flushes; a fuller batch flushes early. */
const SEND_BATCH_PACKETS = 256;

/**
 * The probe on the batched layer: recvmmsg fills a fixed batch and JS is called once per batch;
 * each datagram goes to the probe through a view made once per slot (no object per datagram) with
 * the kernel's arrival time (SO_TIMESTAMPNS, CLOCK_REALTIME epoch ms, the clock `Date.now()`
 * reads). The probe's RTCP goes back through a send batch with a destination per packet (the
 * socket is unconnected), flushed after each feedback tick and each received batch.
 */
export class BatchedProbeSocket implements ProbeSocket {
  readonly io = 'batched' as const;
  readonly address: Endpoint;
  private readonly socket: BatchedUdpSocket;
  private readonly received: ReceiveBatch;
  private readonly sendBatch: SendBatch;
  private readonly slotViews: Buffer[];
  private readonly returnPaths: UdpReturnPaths;
  private readonly counters = {} as UdpSocketCounters;
  /** How long after their kernel arrival time datagrams reached JS, in the current window. */
  private readonly receiveLag = new DelayHistogram();

  private constructor(udp: BatchedUdp, socket: BatchedUdpSocket) {
    this.socket = socket;
    this.address = { host: socket.local.host, port: socket.local.port };
    this.received = udp.createReceiveBatch({ capacity: RECEIVE_BATCH_DATAGRAMS });
    this.sendBatch = udp.createSendBatch({ capacity: SEND_BATCH_PACKETS });
    const { data, offset, slotBytes, capacity } = this.received;
    this.slotViews = Array.from({ length: capacity }, (_, i) => data.subarray(offset[i], offset[i] + slotBytes));
    this.returnPaths = new UdpReturnPaths(socket, this.sendBatch);
  }

  /** Binds `listen` (port 0 = ephemeral; a name is resolved first) with a receive buffer of `receiveBufferBytes`. Throws E_NETWORK. */
  static async open(udp: BatchedUdp, listen: Endpoint, receiveBufferBytes: number): Promise<BatchedProbeSocket> {
    const numeric = await resolveEndpoint(listen);
    try {
      return new BatchedProbeSocket(udp, udp.openSocket({ bind: numeric, receiveBufferBytes, label: 'the probe' }));
    } catch (error) {
      const code = error instanceof AvcmError ? ((error.cause as { code?: string } | undefined)?.code ?? error.message) : undefined;
      throw listenError(listen, code, error);
    }
  }

  nowEpochMs(): number {
    return Date.now();
  }

  start(sink: DatagramSink, returnPaths: boolean): void {
    const received = this.received;
    const views = this.slotViews;
    const { length, arrivalEpochMs, truncated } = received;
    const paths = returnPaths ? this.returnPaths : null;
    const lag = this.receiveLag;
    const lagCounts = lag.counts;
    this.socket.startReceiving(received, (count) => {
      // The batch is handled now: each datagram's lag behind its kernel timestamp (same clock), in
      // the window histogram without a call per datagram (a float argument would be boxed).
      const handledEpochMs = Date.now();
      let lagMaxMs = 0;
      for (let i = 0; i < count; i++) {
        const lagMs = handledEpochMs - arrivalEpochMs[i];
        if (lagMs > lagMaxMs) lagMaxMs = lagMs;
        lagCounts[lagMs <= 0 ? 0 : Math.min(DELAY_BUCKETS - 1, Math.floor(lagMs / DELAY_BUCKET_MS))]++;
        if (truncated[i] !== 0) sink.countTruncated();
        else {
          sink.arrivalEpochMs = arrivalEpochMs[i];
          sink.ingestArrived(views[i], length[i], -1, paths === null ? null : paths.find(received, i));
        }
      }
      lag.total += count;
      if (lagMaxMs > lag.maxMs) lag.maxMs = lagMaxMs;
      this.sendBatch.flush();
    });
  }

  flush(): void {
    this.sendBatch.flush();
  }

  takeReceiveLag(): { p99Ms: number | null; maxMs: number | null } {
    return this.receiveLag.take();
  }

  kernelDrops(): number {
    return this.socket.counters(this.counters).kernelDrops;
  }

  async close(): Promise<void> {
    if (this.socket.closed) return;
    this.sendBatch.flush();
    this.socket.close();
  }
}
