import dgram from 'node:dgram';
import type { NackResponseClock } from './nack-response-clock.js';
import { isRtcp, rtpPayloadOffset, WireTally } from './wire-tally.js';

export interface Endpoint {
  host: string;
  port: number;
}

/** Where datagrams came from, as "host:port" strings. */
export interface InboundSources {
  rtp: string[];
  rtcp: string[];
  /** Sources other than the peer; their datagrams were dropped. */
  foreign: string[];
}

export interface RtcpMuxBridgeOptions {
  /** Loopback address both sockets bind to (default 127.0.0.1). */
  host?: string;
  /** The 5-tuple's local port the peer sees (0 = ephemeral; read `publicPort`). */
  publicPort?: number;
  /**
   * The one peer of the 5-tuple (a sender knows its target; a receiver may know its participant's
   * source). Without it the first source to send becomes the peer. Datagrams from any other source
   * are counted as foreign and not passed on: a stray sender on a reused port must not join in.
   */
  peer?: Endpoint;
  /** Inbound media/RTX payload types, for `nackClock` (defaults 96 and 97). */
  mediaPayloadType?: number;
  rtxPayloadType?: number;
  /** Started by outbound NACKs, stopped by the inbound packets they bring back (a receiver's bridge). */
  nackClock?: NackResponseClock;
}

/**
 * gst-launch cannot make udpsrc and udpsink share one socket, so GStreamer alone cannot keep RTP
 * and RTCP on one 5-tuple (rtcp-mux, RFC 5761). This bridge owns that socket: datagrams from the
 * peer are split by the second byte and handed to GStreamer's RTP and RTCP udpsrc ports, and
 * everything GStreamer's udpsinks send to `innerPort` leaves from the public socket to the peer.
 * It moves bytes untouched (the RTP/RTCP behaviour is GStreamer's) and counts both directions.
 */
export class RtcpMuxBridge {
  readonly publicPort: number;
  /** Where GStreamer's udpsink elements send what should reach the peer. */
  readonly innerPort: number;
  readonly host: string;
  /** What arrived from the peer, and what left to it. */
  readonly inbound: WireTally;
  readonly outbound: WireTally;
  /** Datagrams from the peer before GStreamer's ports were known, and to the peer before it was known. */
  droppedBeforeGst = 0;
  droppedWithoutPeer = 0;
  private readonly publicSocket: dgram.Socket;
  private readonly innerSocket: dgram.Socket;
  private currentPeer: Endpoint | null;
  private readonly sources = { rtp: new Set<string>(), rtcp: new Set<string>(), foreign: new Set<string>() };
  /** Datagrams that came from a source other than the peer (dropped). */
  foreignDatagrams = 0;
  private gstRtpPort: number | null = null;
  private gstRtcpPort: number | null = null;
  private closed = false;

  private constructor(publicSocket: dgram.Socket, innerSocket: dgram.Socket, options: RtcpMuxBridgeOptions) {
    this.publicSocket = publicSocket;
    this.innerSocket = innerSocket;
    this.host = options.host ?? '127.0.0.1';
    this.publicPort = publicSocket.address().port;
    this.innerPort = innerSocket.address().port;
    this.currentPeer = options.peer ?? null;
    this.outbound = new WireTally({ nackObserver: options.nackClock });
    this.inbound = new WireTally();
    const mediaPt = options.mediaPayloadType ?? 96;
    const rtxPt = options.rtxPayloadType ?? 97;
    const clock = options.nackClock ?? null;

    publicSocket.on('message', (datagram, from) => {
      const source = `${from.address}:${from.port}`;
      const peer = this.currentPeer;
      if (peer === null) this.currentPeer = { host: from.address, port: from.port };
      else if (peer.port !== from.port || peer.host !== from.address) {
        this.foreignDatagrams++;
        this.sources.foreign.add(source);
        return;
      }
      this.inbound.add(datagram);
      const rtcp = isRtcp(datagram);
      (rtcp ? this.sources.rtcp : this.sources.rtp).add(source);
      if (clock && !rtcp && datagram.length >= 12) {
        const pt = datagram[1] & 0x7f;
        if (pt === mediaPt) clock.arrived(datagram.readUInt16BE(2));
        else if (pt === rtxPt) {
          const at = rtpPayloadOffset(datagram);
          if (at >= 0 && at + 2 <= datagram.length) clock.arrived(datagram.readUInt16BE(at));
        }
      }
      const port = rtcp ? this.gstRtcpPort : this.gstRtpPort;
      if (port === null) {
        this.droppedBeforeGst++;
        return;
      }
      this.innerSocket.send(datagram, port, this.host);
    });
    innerSocket.on('message', (datagram) => {
      this.outbound.add(datagram);
      const peer = this.currentPeer;
      if (peer === null) {
        this.droppedWithoutPeer++;
        return;
      }
      this.publicSocket.send(datagram, peer.port, peer.host);
    });
    // A peer that went away answers with ICMP port unreachable; that is not the bridge's failure.
    publicSocket.on('error', () => undefined);
    innerSocket.on('error', () => undefined);
  }

  /** Binds both sockets. Rejects with the port when `publicPort` is taken. */
  static async open(options: RtcpMuxBridgeOptions = {}): Promise<RtcpMuxBridge> {
    const host = options.host ?? '127.0.0.1';
    const publicSocket = await bound(host, options.publicPort ?? 0);
    const innerSocket = await bound(host, 0).catch((error: unknown) => {
      publicSocket.close();
      throw error;
    });
    return new RtcpMuxBridge(publicSocket, innerSocket, options);
  }

  /** Starts forwarding from the peer: RTP to GStreamer's `rtpPort` (null = none wanted), RTCP to `rtcpPort`. */
  attachGst(ports: { rtpPort: number | null; rtcpPort: number }): void {
    this.gstRtpPort = ports.rtpPort;
    this.gstRtcpPort = ports.rtcpPort;
  }

  /** The peer GStreamer's output goes to: the given one, or the first source seen; null before that. */
  peer(): Endpoint | null {
    return this.currentPeer;
  }

  /** Distinct "host:port" sources of the RTP and RTCP passed on (one each, and the same, on a proper 5-tuple) and of foreign datagrams dropped. */
  inboundSources(): InboundSources {
    return { rtp: [...this.sources.rtp], rtcp: [...this.sources.rtcp], foreign: [...this.sources.foreign] };
  }

  /** Closes both sockets; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.publicSocket, this.innerSocket].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

async function bound(host: string, port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 8 << 20 });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    socket.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`GStreamer harness: cannot bind udp://${host}:${port}: ${code ?? (error as Error).message}${code === 'EADDRINUSE' ? ' (pick another port, or 0 for an ephemeral one)' : ''}`, { cause: error });
  }
  return socket;
}
