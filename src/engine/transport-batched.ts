import type { BatchedUdpSocket, UdpSocketCounters } from '../io/index.js';
import { isRtcpPacket } from '../rtcp/index.js';
import type { FeedbackHandler, ParticipantTransport } from './transport.js';

/** Where a batched transport queues its packets: the engine's one send batch (`BatchedEngineIo`). */
export interface PacketQueue {
  /** Copies the packet into the batch; it leaves at the engine's next flush. */
  push(socket: BatchedUdpSocket, header: Buffer, headerLength: number, payload: Buffer): void;
}

/**
 * One participant's socket of the batched UDP layer, bound to its plan port and connected to the
 * target. `send` only queues (copying the bytes, allocating nothing); the engine flushes the
 * queue once per tick. RTCP from the target arrives on the same socket (rtcp-mux) through the
 * engine's shared receive batch, which calls `receive` per datagram.
 */
export class BatchedUdpTransport implements ParticipantTransport {
  readonly socket: BatchedUdpSocket;
  /** Datagrams received that were not RTCP (the target has no business sending RTP here). */
  foreignReceived = 0;
  private readonly queue: PacketQueue;
  private feedback: FeedbackHandler | null = null;
  /** Filled by each counter read, so once-a-second stats allocate nothing. */
  private readonly counters = {} as UdpSocketCounters;

  constructor(socket: BatchedUdpSocket, queue: PacketQueue) {
    this.socket = socket;
    this.queue = queue;
  }

  send(header: Buffer, headerLength: number, payload: Buffer): void {
    if (this.socket.closed) return;
    this.queue.push(this.socket, header, headerLength, payload);
  }

  onFeedback(handler: FeedbackHandler): void {
    this.feedback = handler;
  }

  /** One datagram from the target: `buf` is the receive batch's view of its slot, valid during this call only. */
  receive(buf: Buffer, length: number): void {
    if (this.feedback !== null && isRtcpPacket(buf, length)) this.feedback(buf, length);
    else this.foreignReceived++;
  }

  /**
   * Failed sends and receives the kernel reported (ECONNREFUSED after an ICMP port unreachable
   * comes back on either), and datagrams too long for the receive slot. Read with one getsockopt.
   */
  get errors(): number {
    const c = this.socket.counters(this.counters);
    return c.sendErrors + c.receiveErrors + c.truncated;
  }

  /**
   * Of `errors`, those where the target refused the packets (an ICMP port unreachable reported as
   * ECONNREFUSED to a send, or to the receive side, which reads the pending error first; a connected
   * UDP socket's receive errors are those in practice).
   */
  get refused(): number {
    const c = this.socket.counters(this.counters);
    return c.connectionRefused + (c.lastReceiveError === 'ECONNREFUSED' ? c.receiveErrors : 0);
  }

  /** Send calls the kernel refused with a full send buffer (the rest of that run was dropped, see `counters`). */
  get queueBusy(): number {
    return this.socket.counters(this.counters).wouldBlock;
  }

  /** The socket's counters now (packets sent, GSO super-datagrams, drops, the last error's name). */
  socketCounters(): UdpSocketCounters {
    return this.socket.counters();
  }

  async close(): Promise<void> {
    this.socket.close();
  }
}
