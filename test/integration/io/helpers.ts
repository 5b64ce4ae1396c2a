import dgram from 'node:dgram';
import { loadBatchedUdp, type BatchedUdp } from '../../../src/io/index.js';

/** The layer, or a failed test saying why it is missing: on Linux it must load. */
export function batchedUdp(): BatchedUdp {
  const load = loadBatchedUdp();
  if (!load.available) throw new Error(`batched UDP I/O unavailable: ${load.reason}`);
  return load.udp;
}

export async function waitFor(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

/** Some turns of the event loop, for checking that nothing more happens. */
export async function settle(ms = 50): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** An independent receiver (node:dgram) that keeps a copy of every datagram with its source port. */
export interface Oracle {
  port: number;
  received: { data: Buffer; fromPort: number }[];
  close(): Promise<void>;
}

export async function dgramOracle(host = '127.0.0.1'): Promise<Oracle> {
  const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 8 << 20 });
  const received: Oracle['received'] = [];
  socket.on('message', (data, info) => received.push({ data: Buffer.from(data), fromPort: info.port }));
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  return { port: socket.address().port, received, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/** A dgram sender whose sends have all reached the kernel when `send` resolves; keeps what it is sent back. */
export async function dgramSender(host = '127.0.0.1'): Promise<{ port: number; send(data: Buffer, port: number): Promise<void>; replies: Buffer[]; close(): Promise<void> }> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const replies: Buffer[] = [];
  socket.on('message', (data) => replies.push(Buffer.from(data)));
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  return {
    port: socket.address().port,
    replies,
    send: (data, port) => new Promise((resolve, reject) => socket.send(data, port, host, (error) => (error ? reject(error) : resolve()))),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** A packet whose bytes say which one it is: `index` (u32) then a pattern, `length` bytes in all. */
export function numberedPacket(index: number, length: number): Buffer {
  const packet = Buffer.alloc(length);
  for (let i = 0; i < length; i++) packet[i] = (index * 7 + i) & 0xff;
  if (length >= 4) packet.writeUInt32BE(index, 0);
  return packet;
}

/** Whether ::1 works here (some containers run without IPv6). */
export async function ipv6Available(): Promise<boolean> {
  const socket = dgram.createSocket('udp6');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '::1', resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}
