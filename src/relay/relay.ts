import dgram from 'node:dgram';
import net from 'node:net';
import { AvcmError } from '../errors/index.js';
import { FrameDecoder, frameHeader } from './framing.js';

export interface RelayCounters {
  udpIn: number;
  udpOut: number;
  tcpFramesIn: number;
  tcpFramesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Datagrams dropped while the TCP side was down and the bounded queue was full. */
  dropped: number;
  reconnects: number;
  connected: boolean;
}

export interface Endpoint {
  host: string;
  port: number;
}

/** Datagrams held while the TCP side reconnects; beyond this they are dropped (and counted). */
const QUEUE_LIMIT = 4096;
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2_000;

function emptyCounters(): RelayCounters {
  return { udpIn: 0, udpOut: 0, tcpFramesIn: 0, tcpFramesOut: 0, bytesIn: 0, bytesOut: 0, dropped: 0, reconnects: 0, connected: false };
}

async function bindUdp(listen: Endpoint | null, connectTo: Endpoint | null): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: (listen?.host ?? connectTo?.host ?? '').includes(':') ? 'udp6' : 'udp4', recvBufferSize: 8 << 20, sendBufferSize: 8 << 20 });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(listen?.port ?? 0, listen?.host, () => {
      socket.off('error', reject);
      resolve();
    });
  }).catch((error: Error) => {
    throw new AvcmError('E_NETWORK', `relay cannot bind udp://${listen?.host}:${listen?.port}: ${error.message}`);
  });
  if (connectTo) await new Promise<void>((resolve) => socket.connect(connectTo.port, connectTo.host, resolve));
  return socket;
}

/** Writes datagrams as frames on the current TCP socket, queueing (bounded) while there is none. */
class FramedWriter {
  private socket: net.Socket | null = null;
  private readonly queue: Buffer[] = [];

  constructor(private readonly counters: RelayCounters) {}

  attach(socket: net.Socket | null): void {
    this.socket = socket;
    if (socket) while (this.queue.length > 0 && this.socket) this.write(this.queue.shift()!);
  }

  write(datagram: Buffer): void {
    if (!this.socket || this.socket.destroyed) {
      if (this.queue.length >= QUEUE_LIMIT) this.counters.dropped++;
      else this.queue.push(Buffer.from(datagram));
      return;
    }
    this.socket.write(frameHeader(datagram.length, Buffer.allocUnsafe(2)));
    this.socket.write(datagram);
    this.counters.tcpFramesOut++;
    this.counters.bytesOut += datagram.length;
  }
}

export interface Relay {
  counters: RelayCounters;
  /** The bound UDP or TCP address (useful with port 0). */
  address: Endpoint;
  close(): Promise<void>;
}

/**
 * Local side: UDP datagrams arriving on `listen` travel framed over a TCP connection to `connect`
 * (e.g. a `kubectl port-forward`), reconnecting with backoff; frames coming back are sent to the
 * last UDP peer that spoke.
 */
export async function udpToTcp(listen: Endpoint, connect: Endpoint): Promise<Relay> {
  const counters = emptyCounters();
  const udp = await bindUdp(listen, null);
  const writer = new FramedWriter(counters);
  let peer: Endpoint | null = null;
  let closed = false;
  let current: net.Socket | null = null;
  let backoff = BACKOFF_MIN_MS;
  let retry: NodeJS.Timeout | null = null;
  udp.on('message', (datagram, rinfo) => {
    counters.udpIn++;
    counters.bytesIn += datagram.length;
    peer = { host: rinfo.address, port: rinfo.port };
    writer.write(datagram);
  });
  const decoder = new FrameDecoder((datagram) => {
    counters.tcpFramesIn++;
    if (peer) {
      udp.send(datagram, peer.port, peer.host);
      counters.udpOut++;
    }
  });
  const dial = (): void => {
    if (closed) return;
    const socket = net.connect({ host: connect.host, port: connect.port, noDelay: true });
    current = socket;
    socket.on('connect', () => {
      counters.connected = true;
      backoff = BACKOFF_MIN_MS;
      writer.attach(socket);
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      counters.connected = false;
      writer.attach(null);
      decoder.reset();
      if (closed) return;
      counters.reconnects++;
      retry = setTimeout(dial, backoff);
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
    });
  };
  dial();
  const bound = udp.address();
  return {
    counters,
    address: { host: bound.address, port: bound.port },
    async close() {
      if (closed) return;
      closed = true;
      if (retry) clearTimeout(retry);
      current?.destroy();
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    },
  };
}

/**
 * Cluster side: accepts TCP connections on `listen`; every frame is sent as a UDP datagram to
 * `send` (the system under test or the probe); UDP replies go back framed on the newest connection.
 */
export async function tcpToUdp(listen: Endpoint, send: Endpoint): Promise<Relay> {
  const counters = emptyCounters();
  const udp = await bindUdp(null, send);
  const writer = new FramedWriter(counters);
  const sockets = new Set<net.Socket>();
  let closed = false;
  udp.on('message', (datagram) => {
    counters.udpIn++;
    counters.bytesIn += datagram.length;
    writer.write(datagram);
  });
  udp.on('error', () => undefined);
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    counters.connected = true;
    writer.attach(socket);
    const decoder = new FrameDecoder((datagram) => {
      counters.tcpFramesIn++;
      counters.bytesIn += datagram.length;
      udp.send(datagram);
      counters.udpOut++;
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      counters.connected = sockets.size > 0;
      writer.attach([...sockets].at(-1) ?? null);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new AvcmError('E_NETWORK', `relay cannot listen on tcp://${listen.host}:${listen.port}: ${error.message}`)));
    server.listen(listen.port, listen.host, resolve);
  });
  const bound = server.address() as net.AddressInfo;
  return {
    counters,
    address: { host: bound.address, port: bound.port },
    async close() {
      if (closed) return;
      closed = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    },
  };
}
