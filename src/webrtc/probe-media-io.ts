import type { BatchedUdp, BatchedUdpSocket, ReceiveBatch, SendBatch } from '../io/index.js';
import type { NativeMediaIo } from './native-ice-socket.js';

/** Datagrams read per receive call. */
const RECEIVE_BATCH_DATAGRAMS = 256;
/** RTCP compounds (RR, NACK, PLI) queued between flushes; a fuller batch flushes early. */
const SEND_BATCH_PACKETS = 256;

/**
 * The WebRTC probe's batched layer: one receive batch for every peer's socket, and one send batch
 * for the RTCP the probe answers with (SRTCP-protected at the flush). The queue leaves after each
 * received batch (`flush`, from the sockets' `afterBatch`) and, for RTCP queued outside one (the
 * feedback loop's timer), on the next turn of the event loop.
 */
export class ProbeMediaIo implements NativeMediaIo {
  readonly udp: BatchedUdp;
  readonly receiveBatch: ReceiveBatch;
  private readonly sendBatch: SendBatch;
  private flushScheduled = false;
  private closed = false;

  constructor(udp: BatchedUdp) {
    this.udp = udp;
    this.receiveBatch = udp.createReceiveBatch({ capacity: RECEIVE_BATCH_DATAGRAMS });
    this.sendBatch = udp.createSendBatch({ capacity: SEND_BATCH_PACKETS });
  }

  push(socket: BatchedUdpSocket, header: Buffer, headerLength: number, payload: Buffer): void {
    if (this.closed) return;
    if (!this.sendBatch.push(socket, header, headerLength, payload)) {
      this.sendBatch.flush();
      this.sendBatch.push(socket, header, headerLength, payload);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.scheduledFlush);
    }
  }

  /** Sends what is queued (one native call). */
  flush(): void {
    this.sendBatch.flush();
  }

  /** Packets the send batch could not send (full buffers, errors, closed sockets). */
  get sendDropped(): number {
    return this.sendBatch.totals.packetsDropped;
  }

  /** Stops sending; what is queued is dropped with the sockets. Idempotent. */
  close(): void {
    this.closed = true;
    this.sendBatch.clear();
  }

  private readonly scheduledFlush = (): void => {
    this.flushScheduled = false;
    if (!this.closed) this.sendBatch.flush();
  };
}
