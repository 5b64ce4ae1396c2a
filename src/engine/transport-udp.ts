import dgram from 'node:dgram';
import { AvcmError } from '../errors/index.js';
import type { Endpoint } from '../plan/types.js';
import { isRtcpPacket } from '../rtcp/index.js';
import type { FeedbackHandler, ParticipantTransport } from './transport.js';

/** Socket buffer we ask for; the kernel caps it at net.core.wmem_max. */
const SEND_BUFFER_BYTES = 1 << 20;

/**
 * One participant's UDP socket, bound to its plan port and connected to the target (a connected
 * socket skips the address lookup per send and receives ICMP errors as counted send errors). RTP
 * and RTCP share it (rtcp-mux, RFC 5761): what the target sends back is RTCP feedback.
 */
export class UdpTransport implements ParticipantTransport {
  private readonly socket: dgram.Socket;
  private readonly list: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)];
  errors = 0;
  refused = 0;
  queueBusy = 0;
  /** Datagrams received that were not RTCP (the target has no business sending RTP here). */
  foreignReceived = 0;
  private closed = false;
  private feedback: FeedbackHandler | null = null;

  /**
   * Passed to every send: without a callback Node drops a failed send's error silently, and a
   * connected socket reports the ICMP port unreachable of one packet as the error of the next
   * send. One function for the socket's life, so sending allocates nothing more for it.
   */
  private readonly afterSend = (error: Error | null): void => {
    if (error) this.countError(error);
  };

  private constructor(socket: dgram.Socket) {
    this.socket = socket;
    // The same ICMP error can surface on the receive side instead, when no send came first.
    socket.on('error', (error) => this.countError(error));
    socket.on('message', (message) => {
      if (this.feedback !== null && isRtcpPacket(message, message.length)) this.feedback(message, message.length);
      else this.foreignReceived++;
    });
  }

  private countError(error: Error): void {
    this.errors++;
    if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') this.refused++;
  }

  onFeedback(handler: FeedbackHandler): void {
    this.feedback = handler;
  }

  /** Binds `localPort` (0 = ephemeral) and connects to `target`. Throws E_NETWORK with the port on failure. */
  static async open(localPort: number, target: Endpoint, participantId: number): Promise<UdpTransport> {
    const type = target.host.includes(':') ? 'udp6' : 'udp4';
    const socket = dgram.createSocket({ type, sendBufferSize: SEND_BUFFER_BYTES });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(localPort, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(target.port, target.host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      socket.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        throw new AvcmError('E_NETWORK', `participant ${participantId}: source port ${localPort} is already in use`, {
          hint: 'another run or program holds it: set participants.base_port: 0 (ephemeral ports, the default) or a free range',
          cause: error,
        });
      }
      throw new AvcmError('E_NETWORK', `participant ${participantId}: cannot open UDP socket to ${target.host}:${target.port}: ${(error as Error).message}`, { cause: error });
    }
    return new UdpTransport(socket);
  }

  send(header: Buffer, headerLength: number, payload: Buffer): void {
    if (this.closed) return;
    // If an earlier send is still queued in libuv it references its header buffer; the caller will
    // overwrite ours, so copy it (rare: only when the kernel buffer is full).
    const busy = this.socket.getSendQueueCount() > 0;
    if (busy) this.queueBusy++;
    const exact = headerLength === header.length ? header : header.subarray(0, headerLength);
    this.list[0] = busy ? Buffer.from(exact) : exact;
    this.list[1] = payload;
    try {
      this.socket.send(this.list, this.afterSend);
    } catch (error) {
      this.countError(error as Error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
