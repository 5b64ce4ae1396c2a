import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Endpoint } from '../plan/types.js';
import { listenError } from './listen-error.js';
import type { DatagramSink, ProbeSocket } from './probe-socket.js';
import type { ReturnPath } from './receiver-session.js';

/**
 * The probe on a node:dgram socket: one JS event (and one Buffer) per datagram, stamped with the
 * process's high-resolution clock on arrival in JS. The fallback where the batched layer is not
 * available, and `--io dgram`.
 */
export class DgramProbeSocket implements ProbeSocket {
  readonly io = 'dgram' as const;
  readonly address: Endpoint;
  private readonly socket: dgram.Socket;
  /** Return paths to sources, one per address:port (created when a source first sends). */
  private readonly paths = new Map<string, ReturnPath>();
  private lastPath: { address: string; port: number; path: ReturnPath } | null = null;
  private closed = false;

  private constructor(socket: dgram.Socket) {
    this.socket = socket;
    const bound = socket.address();
    this.address = { host: bound.address, port: bound.port };
  }

  /** Binds `listen` (port 0 = ephemeral) with a receive buffer of `receiveBufferBytes`. Throws E_NETWORK. */
  static async open(listen: Endpoint, receiveBufferBytes: number): Promise<DgramProbeSocket> {
    const type = listen.host.includes(':') ? 'udp6' : 'udp4';
    const socket = dgram.createSocket({ type, recvBufferSize: receiveBufferBytes });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(listen.port, listen.host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      socket.close();
      throw listenError(listen, (error as NodeJS.ErrnoException).code, error);
    }
    return new DgramProbeSocket(socket);
  }

  nowEpochMs(): number {
    return performance.timeOrigin + performance.now();
  }

  start(sink: DatagramSink, returnPaths: boolean): void {
    const origin = performance.timeOrigin;
    this.socket.on('message', (message, from) => {
      sink.arrivalEpochMs = origin + performance.now();
      sink.ingestArrived(message, message.length, -1, returnPaths ? this.pathTo(from.address, from.port) : null);
    });
    this.socket.on('error', () => undefined);
  }

  /** The return path to a source; looked up by a string key only when the source changed since the last datagram. */
  private pathTo(address: string, port: number): ReturnPath {
    const last = this.lastPath;
    if (last !== null && last.port === port && last.address === address) return last.path;
    const key = `${address}:${port}`;
    let path = this.paths.get(key);
    if (!path) {
      const socket = this.socket;
      path = {
        // A copy: on an unconnected socket dgram resolves the address first and sends on a later
        // tick, by when the caller has reused `buf` for the next compound. RTCP is a few packets a
        // second per stream, so this allocation is not on the media path.
        send: (buf, length) => socket.send(Buffer.from(buf.subarray(0, length)), port, address),
      };
      this.paths.set(key, path);
    }
    this.lastPath = { address, port, path };
    return path;
  }

  flush(): void {}

  /** Arrival times are taken in JS here: there is no earlier time to be late against. */
  takeReceiveLag(): null {
    return null;
  }

  kernelDrops(): null {
    return null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
