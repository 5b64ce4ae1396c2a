import { AvcmError } from '../errors/index.js';
import type { BatchedUdp, BatchedUdpSocket, ReceiveBatch, SendBatch, UdpEndpoint } from '../io/index.js';
import type { MediaLibrary } from '../media/index.js';
import type { PlannedParticipant } from '../plan/types.js';
import type { EngineIo } from './engine-io.js';
import { BatchedUdpTransport, type PacketQueue } from './transport-batched.js';

/** Send buffer each participant socket asks for, as the dgram transport does. */
const SEND_BUFFER_BYTES = 1 << 20;
/** Packets one flush can carry; a fuller tick flushes early. */
const SEND_BATCH_PACKETS = 1024;
/** RTCP datagrams read per receive call (feedback is a few per participant and second). */
const RECEIVE_BATCH_DATAGRAMS = 64;
/** Room for an RTP header with extensions and an RTX prefix, or an RTCP compound, beside the payload. */
const HEADER_ROOM_BYTES = 128;
const MIN_PACKET_BYTES = 1500;

/**
 * The batched UDP layer of one engine: every participant's socket queues into ONE send batch
 * that the engine flushes once per tick, and every socket's RTCP lands in ONE receive batch.
 * Created by the agent for a UDP plan; `open` is its transport opener.
 */
export class BatchedEngineIo implements EngineIo, PacketQueue {
  /** `batched` for plain RTP participants; `webrtc-batched` when WebRTC participants' media runs here (SRTP in the flush). */
  readonly path: 'batched' | 'webrtc-batched';
  readonly udp: BatchedUdp;
  private readonly target: UdpEndpoint | null;
  private readonly sendBatch: SendBatch;
  /** Shared by every socket of the engine (plain participants' RTCP, WebRTC peers' ICE sockets). */
  readonly receiveBatch: ReceiveBatch;
  /** One view per receive slot, made once: the slot layout is fixed, so a datagram needs no new object. */
  private readonly slotViews: Buffer[];

  /**
   * `target` must be numeric (see `resolveEndpoint`); null for WebRTC participants, whose sockets
   * ICE opens (`NativeIceSockets` over this io). `maxPacketBytes` the longest packet the engine sends.
   */
  constructor(udp: BatchedUdp, options: { target: UdpEndpoint | null; maxPacketBytes: number }) {
    this.udp = udp;
    this.target = options.target;
    this.path = options.target === null ? 'webrtc-batched' : 'batched';
    this.sendBatch = udp.createSendBatch({ capacity: SEND_BATCH_PACKETS, maxPacketBytes: options.maxPacketBytes });
    this.receiveBatch = udp.createReceiveBatch({ capacity: RECEIVE_BATCH_DATAGRAMS });
    const { data, offset, slotBytes, capacity } = this.receiveBatch;
    this.slotViews = Array.from({ length: capacity }, (_, i) => data.subarray(offset[i], offset[i] + slotBytes));
  }

  /**
   * Opens a participant's socket: bound to its plan port (0 = ephemeral), connected to the target,
   * receiving RTCP. Synchronous; throws E_NETWORK naming the participant and port.
   */
  open(participant: PlannedParticipant): BatchedUdpTransport {
    if (this.target === null) throw new AvcmError('E_INTERNAL', `participant ${participant.id}: a WebRTC engine io has no UDP target to open a socket to`);
    let socket: BatchedUdpSocket;
    try {
      socket = this.udp.openSocket({ bind: { port: participant.port }, connect: this.target, sendBufferBytes: SEND_BUFFER_BYTES, label: `participant ${participant.id}` });
    } catch (error) {
      const code = ((error as AvcmError).cause as { code?: string } | undefined)?.code;
      if (code !== 'EADDRINUSE') throw error;
      throw new AvcmError('E_NETWORK', `participant ${participant.id}: source port ${participant.port} is already in use`, {
        hint: 'another run or program holds it; set participants.base_port to a free range, or 0 for ephemeral ports',
        cause: error,
      });
    }
    const transport = new BatchedUdpTransport(socket, this);
    socket.startReceiving(this.receiveBatch, (count) => this.deliver(transport, count));
    return transport;
  }

  push(socket: BatchedUdpSocket, header: Buffer, headerLength: number, payload: Buffer): void {
    if (this.sendBatch.push(socket, header, headerLength, payload)) return;
    // Full: what is queued leaves now (a tick's packets stay in order), then this one starts the next batch.
    this.sendBatch.flush();
    this.sendBatch.push(socket, header, headerLength, payload);
  }

  flush(): void {
    this.sendBatch.flush();
  }

  get wouldBlock(): number {
    return this.sendBatch.totals.wouldBlock;
  }

  get sendDropped(): number {
    return this.sendBatch.totals.packetsDropped;
  }

  /** One receive call's datagrams for `transport`; truncated ones are counted by the socket (its `errors`). */
  private deliver(transport: BatchedUdpTransport, count: number): void {
    const { length, truncated } = this.receiveBatch;
    const views = this.slotViews;
    for (let i = 0; i < count; i++) {
      if (truncated[i] === 0) transport.receive(views[i], length[i]);
    }
  }
}

/** The longest packet an engine sends with this media: its largest payload plus header room, at least 1500 bytes. */
export function maxPacketBytesFor(media: MediaLibrary): number {
  let largest = 0;
  for (const frame of media.video?.frames ?? []) for (const payload of frame.payloads) largest = Math.max(largest, payload.length);
  for (const frame of media.audio?.frames ?? []) largest = Math.max(largest, frame.length);
  return Math.max(MIN_PACKET_BYTES, largest + HEADER_ROOM_BYTES);
}
