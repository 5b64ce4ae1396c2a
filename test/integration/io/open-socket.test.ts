import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AvcmError } from '../../../src/errors/index.js';
import { loadBatchedUdp, type BatchedUdpSocket } from '../../../src/io/index.js';
import { batchedUdp } from './helpers.js';

const udp = batchedUdp();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function open(options: Parameters<typeof udp.openSocket>[0]): BatchedUdpSocket {
  const socket = udp.openSocket(options);
  cleanups.push(() => socket.close());
  return socket;
}

function caught(run: () => unknown): AvcmError {
  try {
    run();
  } catch (error) {
    if (error instanceof AvcmError) return error;
    throw error;
  }
  throw new Error('expected an AvcmError');
}

describe('loadBatchedUdp', () => {
  it('loads on Linux and says which binary', () => {
    const load = loadBatchedUdp();
    expect(load.available).toBe(true);
    if (load.available) expect(existsSync(load.udp.binaryPath)).toBe(true);
  });
});

describe('BatchedUdp.openSocket', () => {
  it('binds an ephemeral port and reports it, IPv4 by default, connected or not', () => {
    const a = open({ bind: { host: '127.0.0.1' } });
    expect(a.family).toBe(4);
    expect(a.local.port).toBeGreaterThan(0);
    expect(a.remote).toBeNull();
    const b = open({ connect: { host: 'localhost', port: a.local.port } });
    expect(b.local).toEqual({ host: '0.0.0.0', port: expect.any(Number) });
    expect(b.remote).toEqual({ host: '127.0.0.1', port: a.local.port });
    expect(b.counters().gso).toBe('active');
    expect(a.counters().gso).toBe('disabled'); // unconnected: no GSO
  });

  it('EADDRINUSE becomes E_NETWORK naming the label and the port, with a hint', async () => {
    const holder = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const port = holder.address().port;
    const error = caught(() => udp.openSocket({ bind: { host: '127.0.0.1', port }, label: 'participant 1001' }));
    expect(error.code).toBe('E_NETWORK');
    expect(error.message).toBe(`participant 1001: UDP port ${port} is already in use (udp://127.0.0.1:${port})`);
    expect(error.hint).toMatch(/ephemeral/);
    expect((error.cause as { code?: string }).code).toBe('EADDRINUSE');
  });

  it('SO_REUSEPORT lets two sockets share a port', () => {
    const a = open({ bind: { host: '127.0.0.1' }, reusePort: true });
    const b = open({ bind: { host: '127.0.0.1', port: a.local.port }, reusePort: true });
    expect(b.local.port).toBe(a.local.port);
  });

  it('an address that is not on this machine, a name, a bad port and mixed families are E_NETWORK', () => {
    const notLocal = caught(() => udp.openSocket({ bind: { host: '192.0.2.1', port: 5000 } }));
    expect(notLocal.message).toBe('UDP socket: cannot bind udp://192.0.2.1:5000: EADDRNOTAVAIL');
    expect(notLocal.hint).toMatch(/not on this machine/);
    const name = caught(() => udp.openSocket({ connect: { host: 'sfu.example', port: 5000 } }));
    expect(name.message).toBe('UDP socket: sfu.example is not a numeric IP address');
    const port = caught(() => udp.openSocket({ bind: { port: 70000 } }));
    expect(port.message).toMatch(/ports are integers 0..65535/);
    const mixed = caught(() => udp.openSocket({ bind: { host: '127.0.0.1' }, connect: { host: '::1', port: 5000 } }));
    expect(mixed.message).toMatch(/^UDP socket: cannot send from udp:\/\/127\.0\.0\.1:0 to udp:\/\/\[::1\]:5000: EAFNOSUPPORT$/);
    expect(mixed.hint).toMatch(/same family/);
    expect(() => udp.destination('not-an-ip', 1)).toThrow(AvcmError);
  });

  it('as root, asks past net.core.wmem_max/rmem_max with SO_SNDBUFFORCE/SO_RCVBUFFORCE', ({ skip }) => {
    if (process.getuid?.() !== 0) skip('the FORCE options need root (CAP_NET_ADMIN)');
    const wanted = 256 << 20; // above net.core.wmem_max and rmem_max here (16 MiB, 128 MiB) and by default
    const socket = open({ bind: { host: '127.0.0.1' }, sendBufferBytes: wanted, receiveBufferBytes: wanted });
    // Linux reports twice what was set (its bookkeeping overhead).
    expect(socket.sendBufferBytes).toBe(2 * wanted);
    expect(socket.receiveBufferBytes).toBe(2 * wanted);
  });
});
