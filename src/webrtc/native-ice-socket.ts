import { DATAGRAM_KIND, UdpDestination, type BatchedUdp, type BatchedUdpSocket, type ReceiveBatch, type SendBatch, type SrtpSession, type UdpEndpoint } from '../io/index.js';
import { stunBindingClass } from './stun-binding.js';

/**
 * The batched layer a set of WebRTC peers runs on: an engine's (its one send batch, flushed per
 * tick, and its receive batch) or the probe's. `BatchedEngineIo` is one.
 */
export interface NativeMediaIo {
  readonly udp: BatchedUdp;
  /** The receive batch every socket reads into (their callbacks never overlap). */
  readonly receiveBatch: ReceiveBatch;
  /** Queues one packet on `socket`; the owner's next flush protects (SRTP/SRTCP) and sends it. */
  push(socket: BatchedUdpSocket, header: Buffer, headerLength: number, payload: Buffer): void;
}

/** werift's name for a UDP peer: `[host, port]`. */
type Address = [string, number];

/** Send buffer of a peer's socket (as the engines' plain RTP sockets ask). */
const SEND_BUFFER_BYTES = 1 << 20;
/** Receive buffer: one peer's media (a few hundred kB/s) through a stalled second of the event loop. */
const RECEIVE_BUFFER_BYTES = 4 << 20;
const EMPTY = Buffer.alloc(0);

/** What a native ICE socket saw (for health checks and reports). */
export interface NativeIceSocketCounters {
  /** RTP/RTCP unprotected natively and handed to the media handler. */
  mediaReceived: number;
  /** STUN, DTLS (and media from before the keys) handed to werift. */
  passed: number;
  /** SRTP/SRTCP the session refused (tag, replay, too old); see the session's counters. */
  rejected: number;
  /** Datagrams of none of RFC 7983's ranges, and datagrams too long for the receive slot. */
  dropped: number;
  /** RTP/RTCP werift tried to send itself after the media moved here (never sent: avcm owns the SRTP indexes). */
  stackMediaDropped: number;
  /**
   * STUN Binding requests received and sent (ICE connectivity checks, then RFC 7675 consent
   * checks: werift sends one every 4-6 s on the selected pair, and fails the session 30 s after
   * the last response), and the success responses received and sent: both directions of consent.
   */
  stunRequestsReceived: number;
  stunResponsesReceived: number;
  stunRequestsSent: number;
  stunResponsesSent: number;
}

/**
 * One ICE host candidate's UDP socket, owned by avcm's batched layer instead of werift's dgram:
 * werift's StunProtocol sees the transport it expects (`send`, `onData`, `close`, `address`) and
 * keeps doing ICE checks, consent freshness and DTLS over it, while each received batch is split
 * as RFC 7983 says (`DATAGRAM_KIND`): STUN and DTLS go to werift as before; once `beginMedia`
 * attached the DTLS-SRTP keys, RTP and RTCP are unprotected natively and go to `onMedia`, and
 * `sendMedia` queues packets that the owner's flush protects and sends to the selected pair.
 */
export class NativeIceSocket {
  // werift's transport shape (common/src/transport.ts UdpTransport), read by its StunProtocol.
  readonly type = 'udp';
  readonly socketType: 'udp4' | 'udp6';
  closed = false;
  onData: (data: Buffer, addr: Address) => void = () => undefined;

  /** Decrypted RTP/RTCP (a view of the receive slot, valid during the call); `arrivalEpochMs` is set before each call. */
  onMedia: ((buf: Buffer, length: number) => void) | null = null;
  /** The kernel's arrival time of the datagram `onMedia` is handling, epoch ms (a field: a float argument would be boxed). */
  arrivalEpochMs = 0;
  readonly socket: BatchedUdpSocket;
  private readonly counts: NativeIceSocketCounters = { mediaReceived: 0, passed: 0, rejected: 0, dropped: 0, stackMediaDropped: 0, stunRequestsReceived: 0, stunResponsesReceived: 0, stunRequestsSent: 0, stunResponsesSent: 0 };
  private readonly owner: NativeIceSockets;
  /** werift's datagrams of a batch not handed over yet (see `pass`), oldest first. */
  private readonly pending: { data: Buffer; addr: Address }[] = [];
  private pendingScheduled = false;

  /** @internal Made by `NativeIceSockets.open`. */
  constructor(owner: NativeIceSockets, socket: BatchedUdpSocket) {
    this.owner = owner;
    this.socket = socket;
    this.socketType = socket.family === 6 ? 'udp6' : 'udp4';
  }

  /** The bound address, as dgram's `socket.address()` (werift takes the port for its host candidate). */
  get address(): { address: string; port: number; family: string } {
    return { address: this.socket.local.host, port: this.socket.local.port, family: this.socket.family === 6 ? 'IPv6' : 'IPv4' };
  }

  /** werift's send (STUN, DTLS records): one datagram to `addr`, sent at once. */
  send = (data: Buffer, addr?: Address): Promise<void> => {
    if (this.closed) return Promise.resolve();
    // Once the media is ours, werift must not protect any with its own SRTP state: two senders
    // under one key would reuse an index (werift's own RTCP loops never run in avcm; this makes sure).
    if (this.socket.srtpSession !== null && data.length > 0 && data[0] >= 128 && data[0] <= 191) {
      this.counts.stackMediaDropped++;
      return Promise.resolve();
    }
    if (addr === undefined) return Promise.reject(new Error('native ICE socket: send without a destination'));
    try {
      this.owner.sendNow(this.socket, data, addr[0], addr[1]);
    } catch (error) {
      return Promise.reject(error);
    }
    const stun = stunBindingClass(data, data.length);
    if (stun === 'request') this.counts.stunRequestsSent++;
    else if (stun === 'success') this.counts.stunResponsesSent++;
    return Promise.resolve();
  };

  close = async (): Promise<void> => {
    if (this.closed) return;
    this.closed = true;
    this.onMedia = null;
    this.pending.length = 0;
    this.socket.close();
  };

  /**
   * Moves the media onto this socket: RTP/RTCP are protected with `session` when flushed and
   * unprotected with it when received, and media goes to `peer` (the selected pair's remote).
   */
  beginMedia(session: SrtpSession, peer: UdpEndpoint): void {
    this.socket.setPeer(peer);
    this.socket.attachSrtp(session);
  }

  /**
   * Unprotects the RTP/RTCP this socket receives with `session` (one that another socket of the
   * same ICE connection sends with): the far end's selected pair may end on this socket.
   */
  receiveMedia(session: SrtpSession): void {
    this.socket.attachSrtp(session);
  }

  /** Whether `beginMedia` or `receiveMedia` ran (and the socket is open). */
  get carriesMedia(): boolean {
    return !this.closed && this.socket.srtpSession !== null;
  }

  /** Queues one RTP packet (`header[0, headerLength)` then `payload`) or RTCP compound (empty payload) for the owner's flush. */
  sendMedia(header: Buffer, headerLength: number, payload: Buffer): void {
    this.owner.io.push(this.socket, header, headerLength, payload);
  }

  /** What the socket saw so far. */
  counters(): NativeIceSocketCounters {
    return { ...this.counts };
  }

  /** @internal One received batch of this socket. */
  receive(batch: ReceiveBatch, views: Buffer[], count: number): void {
    const { kind, length, truncated, arrivalEpochMs } = batch;
    const counts = this.counts;
    let passedBefore = false;
    for (let i = 0; i < count; i++) {
      if (truncated[i] !== 0) {
        counts.dropped++;
        continue;
      }
      const k = kind[i];
      if (k === DATAGRAM_KIND.media) {
        counts.mediaReceived++;
        const handler = this.onMedia;
        if (handler !== null) {
          this.arrivalEpochMs = arrivalEpochMs[i];
          handler(views[i], length[i]);
        }
      } else if (k === DATAGRAM_KIND.pass) {
        counts.passed++;
        this.pass(batch, i, !passedBefore);
        passedBefore = true;
      } else if (k === DATAGRAM_KIND.rejected) {
        counts.rejected++;
      } else {
        counts.dropped++;
      }
      if (this.closed) return;
    }
  }

  /**
   * Hands one datagram to werift: a copy (its DTLS keeps buffers) with the source as text. Only
   * the first of a batch goes at once; the others follow one per macrotask (`setImmediate`), so
   * that the promise jobs each one starts have run before the next arrives, as with dgram's one
   * 'message' event per datagram. werift's DTLS depends on that: its handshake handlers await
   * between steps, and a retransmitted flight 4 whose ServerHelloDone is still awaiting when
   * the server's Finished of the same batch connects the client makes the client run its key
   * exchange again after connecting (a new master secret the server never sees).
   */
  private pass(batch: ReceiveBatch, index: number, first: boolean): void {
    const start = batch.offset[index];
    const data = Buffer.from(batch.data.subarray(start, start + batch.length[index]));
    const stun = stunBindingClass(data, data.length);
    if (stun === 'request') this.counts.stunRequestsReceived++;
    else if (stun === 'success') this.counts.stunResponsesReceived++;
    const addr: Address = [this.owner.sourceHost(batch, index), batch.port[index]];
    if (first && this.pending.length === 0) {
      this.deliver(data, addr);
      return;
    }
    this.pending.push({ data, addr });
    this.schedulePending();
  }

  private schedulePending(): void {
    if (this.pendingScheduled) return;
    this.pendingScheduled = true;
    setImmediate(this.deliverPending);
  }

  private readonly deliverPending = (): void => {
    this.pendingScheduled = false;
    const next = this.pending.shift();
    if (next === undefined || this.closed) return;
    this.deliver(next.data, next.addr);
    if (this.pending.length > 0) this.schedulePending();
  };

  private deliver(data: Buffer, addr: Address): void {
    try {
      this.onData(data, addr);
    } catch {
      // As werift's own UdpTransport: an error in its handler costs that datagram only.
    }
  }
}

/** The counters of a session's sockets, summed (its media and consent checks may use more than one). */
export function sumCounters(sockets: readonly NativeIceSocket[]): NativeIceSocketCounters {
  const sum: NativeIceSocketCounters = { mediaReceived: 0, passed: 0, rejected: 0, dropped: 0, stackMediaDropped: 0, stunRequestsReceived: 0, stunResponsesReceived: 0, stunRequestsSent: 0, stunResponsesSent: 0 };
  for (const socket of sockets) {
    const c = socket.counters();
    for (const name of Object.keys(sum) as (keyof NativeIceSocketCounters)[]) sum[name] += c[name];
  }
  return sum;
}

/**
 * Opens the native ICE sockets of a set of WebRTC peers on one batched layer (`NativeMediaIo`):
 * every socket reads into the layer's receive batch; werift's own packets (STUN, DTLS) leave at
 * once through a small batch of their own. `afterBatch` runs after each received batch (the
 * probe flushes the RTCP its ingest queued).
 */
export class NativeIceSockets {
  readonly io: NativeMediaIo;
  private readonly control: SendBatch;
  private readonly destination = new UdpDestination();
  private readonly source = new UdpDestination();
  private readonly views: Buffer[];
  private readonly afterBatch: (() => void) | null;
  private readonly sockets = new Set<NativeIceSocket>();

  constructor(io: NativeMediaIo, options: { afterBatch?: () => void } = {}) {
    this.io = io;
    // DTLS flights (certificates) and STUN; 64 kB slots so that no record werift writes is refused.
    this.control = io.udp.createSendBatch({ capacity: 4, maxPacketBytes: 65_507 });
    const { data, offset, slotBytes, capacity } = io.receiveBatch;
    this.views = Array.from({ length: capacity }, (_, i) => data.subarray(offset[i], offset[i] + slotBytes));
    this.afterBatch = options.afterBatch ?? null;
  }

  /**
   * A new socket for one host candidate: bound to all addresses of `family` on an ephemeral port
   * (as werift binds its own), classifying what it receives (RFC 7983), receiving from now on.
   * Throws E_NETWORK when the socket cannot be opened.
   */
  open(label: string, family: 4 | 6): NativeIceSocket {
    const socket = this.io.udp.openSocket({ bind: { host: family === 6 ? '::' : '0.0.0.0', port: 0 }, sendBufferBytes: SEND_BUFFER_BYTES, receiveBufferBytes: RECEIVE_BUFFER_BYTES, demux: true, label });
    const ice = new NativeIceSocket(this, socket);
    const batch = this.io.receiveBatch;
    const views = this.views;
    socket.startReceiving(batch, (count) => {
      ice.receive(batch, views, count);
      this.afterBatch?.();
    });
    this.sockets.add(ice);
    return ice;
  }

  /** @internal Sends one of werift's datagrams now. Throws E_NETWORK for a host that is not numeric. */
  sendNow(socket: BatchedUdpSocket, data: Buffer, host: string, port: number): void {
    this.io.udp.destination(host, port, this.destination);
    this.control.push(socket, data, data.length, EMPTY, this.destination);
    this.control.flush();
  }

  /** @internal The text form of datagram `index`'s source (for werift). */
  sourceHost(batch: ReceiveBatch, index: number): string {
    return this.io.udp.formatHost(batch.sourceInto(index, this.source));
  }

  /** Sockets opened and not closed yet. */
  openSockets(): NativeIceSocket[] {
    for (const socket of this.sockets) if (socket.closed) this.sockets.delete(socket);
    return [...this.sockets];
  }
}
