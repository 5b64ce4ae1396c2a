import { AvcmError } from '../errors/index.js';
import { errnoName } from './errno-name.js';
import type { NativeOpenResult, NativeUdpBinding } from './native-binding.js';
import type { ReceiveBatch } from './receive-batch.js';
import type { SrtpSession } from './srtp-session.js';

/** A host and port, as the plan's endpoints are. */
export interface UdpEndpoint {
  host: string;
  port: number;
}

/** How a socket sends with GSO: `active` coalesces, the others use sendmmsg only. */
export type GsoState = 'active' | 'refused' | 'unsupported' | 'disabled';

const GSO_STATES: readonly GsoState[] = ['active', 'refused', 'unsupported', 'disabled'];

/**
 * One socket's counters since it was opened (after `close`, the final ones). Send figures count
 * packets as pushed (a GSO super-datagram of 9 packets is 9 `packetsSent`, 1 `gsoDatagrams`).
 */
export interface UdpSocketCounters {
  packetsSent: number;
  bytesSent: number;
  /** sendmmsg calls. */
  sendCalls: number;
  gsoDatagrams: number;
  /** Send calls refused with EAGAIN/ENOBUFS (full send buffer). */
  wouldBlock: number;
  /** Packets not sent (full buffer or errors). */
  sendDropped: number;
  /** Messages whose send failed with an error other than would-block. */
  sendErrors: number;
  /** ECONNREFUSED among them: the peer answered an earlier datagram with ICMP port unreachable. */
  connectionRefused: number;
  /** errno name of the last send failure, e.g. `ECONNREFUSED`; null if none. */
  lastSendError: string | null;
  gso: GsoState;
  /** errno name with which the kernel refused GSO (`EINVAL`, `EIO`...), null if it never did. */
  gsoRefusedError: string | null;
  datagramsReceived: number;
  bytesReceived: number;
  /** recvmmsg calls. */
  receiveCalls: number;
  /** onBatch calls. */
  batchesDelivered: number;
  /** Datagrams longer than the batch's slot (cut, flagged in the batch). */
  truncated: number;
  receiveErrors: number;
  lastReceiveError: string | null;
  /** Datagrams the kernel dropped for this socket because its receive buffer was full (SO_MEMINFO / SO_RXQ_OVFL). */
  kernelDrops: number;
}

/** Options of `BatchedUdp.openSocket`. */
export interface UdpSocketOptions {
  /** Local address and port; host defaults to 0.0.0.0 (or :: when `connect` is IPv6), port to 0 (ephemeral). */
  bind?: { host?: string; port?: number };
  /** Connect to this peer: sends need no destination and may use GSO; ICMP errors are counted. */
  connect?: UdpEndpoint;
  /** SO_SNDBUF to ask for, bytes (root exceeds net.core.wmem_max with SO_SNDBUFFORCE); default: the kernel's. */
  sendBufferBytes?: number;
  /** SO_RCVBUF to ask for, bytes (root exceeds net.core.rmem_max with SO_RCVBUFFORCE); default: the kernel's. */
  receiveBufferBytes?: number;
  /** SO_REUSEPORT, so several sockets may bind the same port. */
  reusePort?: boolean;
  /** Coalesce same-socket runs into UDP GSO super-datagrams (connected sockets only); default true. */
  gso?: boolean;
  /**
   * false sends IPv4 datagrams without a UDP checksum (SO_NO_CHECK). Linux refuses GSO on such a
   * socket, so its batches fall back to sendmmsg; tests use it to drive that real refusal. Default true.
   */
  udpChecksum?: boolean;
  /** Who owns the socket, for error messages ("participant 1001", "the probe"); default "UDP socket". */
  label?: string;
  /**
   * A WebRTC socket: each received datagram is classified by its first byte as RFC 7983 says
   * (`ReceiveBatch.kind`: STUN and DTLS for the ICE/DTLS stack, RTP/RTCP unprotected once an
   * SRTP session is attached). Default false (every datagram `plain`).
   */
  demux?: boolean;
}

/**
 * A UDP socket owned by the addon. Send through a `SendBatch`; receive with `startReceiving`.
 * Synchronous throughout; `close` is idempotent and safe inside an `onBatch` callback.
 */
export class BatchedUdpSocket {
  /** The number batches carry for this socket; never reused within a thread. */
  readonly id: number;
  readonly family: 4 | 6;
  /** The bound address and the port the kernel gave (useful with port 0). */
  readonly local: UdpEndpoint;
  /** The connected peer, or null. */
  readonly remote: UdpEndpoint | null;
  /** Buffer sizes the kernel granted (Linux reports twice the bytes asked for). */
  readonly sendBufferBytes: number;
  readonly receiveBufferBytes: number;
  readonly label: string;
  private readonly native: NativeUdpBinding;
  private readonly raw: Float64Array;
  private readonly counterIndex: ReadonlyMap<string, number>;
  /**
   * Bytes a send batch reserves after each RTP packet and each RTCP compound for SRTP's trailer
   * (0 while no session is attached): the batch packs packets so that, once protected in place,
   * they lie end to end again (GSO needs that).
   */
  rtpTrailerBytes = 0;
  rtcpTrailerBytes = 0;
  private srtp: SrtpSession | null = null;
  private receiving = false;
  private isClosed = false;

  /** @internal Made by `BatchedUdp.openSocket`. */
  constructor(native: NativeUdpBinding, opened: NativeOpenResult, local: UdpEndpoint, remote: UdpEndpoint | null, label: string) {
    this.native = native;
    this.id = opened.id;
    this.family = opened.family;
    this.local = { host: local.host, port: opened.localPort };
    this.remote = remote;
    this.sendBufferBytes = opened.sendBufferBytes;
    this.receiveBufferBytes = opened.receiveBufferBytes;
    this.label = label;
    this.raw = new Float64Array(native.COUNTER_NAMES.length);
    this.counterIndex = new Map(native.COUNTER_NAMES.map((name, index) => [name, index]));
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * The counters now (after `close`: the final ones). Fills `into` when given, so a once-a-second
   * reader allocates nothing; reads the kernel's drop count with one getsockopt.
   */
  counters(into?: UdpSocketCounters): UdpSocketCounters {
    if (!this.isClosed) this.native.counters(this.id, this.raw);
    const value = (name: string): number => this.raw[this.counterIndex.get(name)!];
    const out = into ?? ({} as UdpSocketCounters);
    out.packetsSent = value('packetsSent');
    out.bytesSent = value('bytesSent');
    out.sendCalls = value('sendCalls');
    out.gsoDatagrams = value('gsoDatagrams');
    out.wouldBlock = value('wouldBlock');
    out.sendDropped = value('sendDropped');
    out.sendErrors = value('sendErrors');
    out.connectionRefused = value('connectionRefused');
    out.lastSendError = errnoName(value('lastSendErrno'));
    out.gso = GSO_STATES[value('gsoState')] ?? 'disabled';
    out.gsoRefusedError = errnoName(value('gsoRefusedErrno'));
    out.datagramsReceived = value('datagramsReceived');
    out.bytesReceived = value('bytesReceived');
    out.receiveCalls = value('receiveCalls');
    out.batchesDelivered = value('batchesDelivered');
    out.truncated = value('truncated');
    out.receiveErrors = value('receiveErrors');
    out.lastReceiveError = errnoName(value('lastReceiveErrno'));
    out.kernelDrops = value('kernelDrops');
    return out;
  }

  /**
   * Reads datagrams as they arrive: on each readable event the addon fills `batch` with recvmmsg
   * and calls `onBatch(count)` once, on this thread's event loop; the batch is valid only during
   * the call. Like a dgram socket, a receiving socket keeps the event loop alive until
   * `stopReceiving` or `close`. Throws E_INTERNAL when closed or already receiving.
   */
  startReceiving(batch: ReceiveBatch, onBatch: (count: number) => void): void {
    if (this.isClosed) throw new AvcmError('E_INTERNAL', `${this.label}: startReceiving on a closed socket`);
    if (this.receiving) throw new AvcmError('E_INTERNAL', `${this.label}: already receiving`);
    this.native.startReceiving(this.id, batch.handle, onBatch);
    this.receiving = true;
  }

  /** No more `onBatch` calls after this returns (also from inside one). Idempotent. */
  stopReceiving(): void {
    if (!this.receiving || this.isClosed) return;
    this.receiving = false;
    this.native.stopReceiving(this.id);
  }

  /**
   * From now on this socket's RTP and RTCP are protected by `session` when a send batch flushes
   * them (STUN and DTLS go out as pushed) and, on a `demux` socket, unprotected when received.
   * Null detaches. Packets already pushed are protected by whatever is attached at the flush.
   * Throws E_INTERNAL when closed.
   */
  attachSrtp(session: SrtpSession | null): void {
    if (this.isClosed) throw new AvcmError('E_INTERNAL', `${this.label}: attachSrtp on a closed socket`);
    this.native.attachSrtp(this.id, session === null ? null : session.handle);
    this.srtp = session;
    this.rtpTrailerBytes = session === null ? 0 : session.rtpOverhead;
    this.rtcpTrailerBytes = session === null ? 0 : session.rtcpOverhead;
  }

  /** The attached SRTP session, or null. */
  get srtpSession(): SrtpSession | null {
    return this.srtp;
  }

  /**
   * Where packets pushed without a destination go, on an unconnected socket (a WebRTC socket,
   * which ICE uses to talk to several candidates, sends its media to the selected one). Such
   * packets may use GSO. `host` must be numeric; null forgets it. Throws E_INTERNAL when closed.
   */
  setPeer(peer: UdpEndpoint | null): void {
    if (this.isClosed) throw new AvcmError('E_INTERNAL', `${this.label}: setPeer on a closed socket`);
    this.native.setPeer(this.id, peer === null ? null : peer.host, peer === null ? 0 : peer.port);
  }

  /**
   * Closes the socket; idempotent, synchronous, safe inside `onBatch`. Datagrams still queued are
   * discarded; packets still in a SendBatch for this socket are counted as dropped by its flush.
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.receiving = false;
    this.srtp = null;
    this.native.close(this.id, this.raw);
  }
}
