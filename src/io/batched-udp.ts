import { AvcmError } from '../errors/index.js';
import { BatchedUdpSocket, type UdpSocketOptions } from './batched-udp-socket.js';
import type { NativeUdpBinding } from './native-binding.js';
import { openError } from './open-error.js';
import { ReceiveBatch, type ReceiveBatchOptions } from './receive-batch.js';
import { SendBatch, type SendBatchOptions } from './send-batch.js';
import { SrtpSession, type SrtpKeys } from './srtp-session.js';
import { UdpDestination } from './udp-destination.js';

/**
 * The batched UDP I/O layer of one thread: opens sockets and makes batches. Get it from
 * `loadBatchedUdp()`; sockets and batches of one BatchedUdp belong to the thread that loaded it.
 */
export class BatchedUdp {
  /** The binary that was loaded (build/Release/avcm_udp.node or prebuilds/linux-x64/...). */
  readonly binaryPath: string;
  private readonly native: NativeUdpBinding;
  private readonly parsed = new Uint32Array(4);

  /** @internal Made by `loadBatchedUdp`. */
  constructor(native: NativeUdpBinding, binaryPath: string) {
    this.native = native;
    this.binaryPath = binaryPath;
  }

  /**
   * Opens a UDP socket: bind (port 0 = ephemeral), optionally connect, buffer sizes. Synchronous;
   * numeric addresses only (and `localhost`). Throws AvcmError E_NETWORK naming the port, with a
   * hint (EADDRINUSE, EACCES, EADDRNOTAVAIL...).
   */
  openSocket(options: UdpSocketOptions = {}): BatchedUdpSocket {
    const label = options.label ?? 'UDP socket';
    const connect = options.connect ? { host: numericHost(options.connect.host), port: options.connect.port } : null;
    const bindHost = numericHost(options.bind?.host ?? (connect?.host.includes(':') ? '::' : '0.0.0.0'));
    const bindPort = options.bind?.port ?? 0;
    checkPort(bindPort, label, 'bind');
    if (connect) checkPort(connect.port, label, 'connect');
    let opened;
    try {
      opened = this.native.open(
        bindHost,
        bindPort,
        connect?.host ?? null,
        connect?.port ?? 0,
        options.sendBufferBytes ?? 0,
        options.receiveBufferBytes ?? 0,
        options.reusePort ?? false,
        options.gso ?? true,
        options.udpChecksum ?? true,
        options.demux ?? false,
      );
    } catch (error) {
      throw openError(error, { label, bindHost, bindPort, connect });
    }
    return new BatchedUdpSocket(this.native, opened, { host: bindHost, port: bindPort }, connect, label);
  }

  /**
   * Null when SRTP sessions can be made in this process; else why not (the addon calls the OpenSSL
   * that Node exports, and checks at load that every function it needs is there).
   */
  get srtpUnavailable(): string | null {
    if (this.native.SRTP_UNAVAILABLE === undefined) return 'this avcm_udp binary predates SRTP; rebuild it with `npm run native:build`';
    return this.native.SRTP_UNAVAILABLE;
  }

  /**
   * An SRTP/SRTCP session with a DTLS-SRTP association's keys, to attach to sockets
   * (`BatchedUdpSocket.attachSrtp`). Throws E_NETWORK for a profile the native path does not
   * implement or when `srtpUnavailable`.
   */
  createSrtpSession(keys: SrtpKeys): SrtpSession {
    const unavailable = this.srtpUnavailable;
    if (unavailable !== null) throw new AvcmError('E_NETWORK', `native SRTP is unavailable: ${unavailable}`, { hint: 'WebRTC media then stays on werift (--io dgram)' });
    return new SrtpSession(this.native, keys);
  }

  /** A send batch for any of this thread's sockets; make one per pacer and reuse it. */
  createSendBatch(options?: SendBatchOptions): SendBatch {
    return new SendBatch(this.native, options);
  }

  /** A receive batch; make one per receiving loop and reuse it. */
  createReceiveBatch(options?: ReceiveBatchOptions): ReceiveBatch {
    return new ReceiveBatch(this.native, options);
  }

  /** `host:port` in numeric form for `SendBatch.push`; fills `into` when given. Throws E_NETWORK if `host` is not numeric. */
  destination(host: string, port: number, into: UdpDestination = new UdpDestination()): UdpDestination {
    const family = this.native.parseAddress(numericHost(host), this.parsed);
    if (family !== 4 && family !== 6) {
      throw new AvcmError('E_NETWORK', `${host} is not a numeric IP address`, { hint: 'give an IPv4 or IPv6 address; names are not resolved here' });
    }
    checkPort(port, 'destination', 'send to');
    into.family = family;
    into.address.set(this.parsed);
    into.port = port;
    return into;
  }

  /** `127.0.0.1:5004` or `[::1]:5004` (for messages and logs). */
  formatDestination(destination: UdpDestination): string {
    const host = this.formatHost(destination);
    return destination.family === 6 ? `[${host}]:${destination.port}` : `${host}:${destination.port}`;
  }

  /** The address alone, `127.0.0.1` or `::1` (allocates a string: not for every packet). */
  formatHost(destination: UdpDestination): string {
    const a = destination.address;
    return this.native.formatAddress(destination.family, a[0], a[1], a[2], a[3]);
  }
}

function numericHost(host: string): string {
  return host === 'localhost' ? '127.0.0.1' : host;
}

function checkPort(port: number, label: string, what: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AvcmError('E_NETWORK', `${label}: cannot ${what} UDP port ${port}: ports are integers 0..65535`);
  }
}

