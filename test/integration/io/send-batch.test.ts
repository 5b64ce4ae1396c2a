import { afterEach, describe, expect, it } from 'vitest';
import type { BatchedUdpSocket, SendBatch } from '../../../src/io/index.js';
import { batchedUdp, dgramOracle, ipv6Available, numberedPacket, settle, waitFor, type Oracle } from './helpers.js';

const udp = batchedUdp();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function oracle(host = '127.0.0.1'): Promise<Oracle> {
  const o = await dgramOracle(host);
  cleanups.push(() => o.close());
  return o;
}

function connected(port: number, options: Parameters<typeof udp.openSocket>[0] = {}): BatchedUdpSocket {
  const socket = udp.openSocket({ bind: { host: '127.0.0.1' }, connect: { host: '127.0.0.1', port }, ...options });
  cleanups.push(() => socket.close());
  return socket;
}

/** Pushes `packet` split into a 12-byte header and the payload, as the engine will. */
function pushPacket(batch: SendBatch, socket: BatchedUdpSocket, packet: Buffer, destination?: Parameters<SendBatch['push']>[4]): boolean {
  return batch.push(socket, packet.subarray(0, 12), 12, packet.subarray(12), destination);
}

describe('SendBatch: batch boundaries', () => {
  it('takes exactly `capacity` packets, refuses the next until flushed, and an empty flush sends nothing', async () => {
    const o = await oracle();
    const socket = connected(o.port);
    const batch = udp.createSendBatch({ capacity: 8, maxPacketBytes: 1500 });
    const packets = Array.from({ length: 9 }, (_, i) => numberedPacket(i, 200));
    for (let i = 0; i < 8; i++) expect(pushPacket(batch, socket, packets[i])).toBe(true);
    expect(batch.length).toBe(8);
    expect(pushPacket(batch, socket, packets[8])).toBe(false); // capacity + 1 needs a second flush
    expect(batch.length).toBe(8);
    expect(batch.flush()).toBe(8);
    expect(batch.length).toBe(0);
    expect(pushPacket(batch, socket, packets[8])).toBe(true);
    expect(batch.flush()).toBe(1);
    expect(batch.lastFlush.packetsSent).toBe(1);
    expect(batch.flush()).toBe(0); // empty
    expect(batch.lastFlush).toMatchObject({ packetsSent: 0, sendCalls: 0, packetsDropped: 0 });
    expect(batch.totals).toMatchObject({ packetsSent: 9, packetsDropped: 0, errors: 0, wouldBlock: 0 });
    await waitFor(() => o.received.length >= 9);
    expect(o.received.map((r) => r.data)).toEqual(packets);
  });

  it('copies a short header out of a longer buffer, and header-only packets (payload null)', async () => {
    const o = await oracle();
    const socket = connected(o.port, { gso: false });
    const batch = udp.createSendBatch({ capacity: 4 });
    const scratch = Buffer.from('HEADERxxxxxxxxxxxxxx');
    batch.push(socket, scratch, 6, Buffer.from('-payload'));
    batch.push(socket, scratch, 6, null);
    scratch.fill(0); // the batch holds its own copy
    expect(batch.flush()).toBe(2);
    await waitFor(() => o.received.length >= 2);
    expect(o.received.map((r) => r.data.toString())).toEqual(['HEADER-payload', 'HEADER']);
  });

  it('rejects a packet longer than maxPacketBytes as a programming error', () => {
    const socket = connected(9); // never flushed
    const batch = udp.createSendBatch({ capacity: 4, maxPacketBytes: 100 });
    expect(() => batch.push(socket, Buffer.alloc(12), 12, Buffer.alloc(89))).toThrow(/does not fit a 100-byte slot/);
    expect(batch.push(socket, Buffer.alloc(12), 12, Buffer.alloc(88))).toBe(true);
  });
});

describe('SendBatch: many sockets in one flush', () => {
  it("sends interleaved runs of 20 sockets in one call; each socket's packets arrive from its own port", async () => {
    const o = await oracle();
    const sockets = Array.from({ length: 20 }, () => connected(o.port));
    const batch = udp.createSendBatch({ capacity: 256 });
    // Two rounds: socket k sends 3 packets, then again 2 packets (so 40 runs in all).
    let index = 0;
    for (const round of [3, 2]) {
      for (const socket of sockets) for (let i = 0; i < round; i++) expect(pushPacket(batch, socket, numberedPacket(index++, 300))).toBe(true);
    }
    expect(batch.flush()).toBe(100);
    expect(batch.lastFlush).toMatchObject({ packetsSent: 100, packetsDropped: 0, errors: 0 });
    // One system call per run of one socket, whatever GSO made of the run.
    expect(batch.lastFlush.sendCalls).toBe(40);
    await waitFor(() => o.received.length >= 100);
    const byPort = new Map<number, number>();
    for (const r of o.received) byPort.set(r.fromPort, (byPort.get(r.fromPort) ?? 0) + 1);
    expect([...byPort.keys()].sort()).toEqual(sockets.map((s) => s.local.port).sort());
    expect([...byPort.values()]).toEqual(Array(20).fill(5));
    for (const socket of sockets) expect(socket.counters().packetsSent).toBe(5);
  });
});

describe('SendBatch: UDP GSO', () => {
  it('coalesces equal packets with a shorter last one; the receiver sees the exact individual datagrams', async () => {
    const o = await oracle();
    const socket = connected(o.port);
    expect(socket.counters().gso).toBe('active');
    const batch = udp.createSendBatch({ capacity: 64 });
    // 9 x 1200 + 500 (one super-datagram), 3 x 800 (another), then 1000 alone (larger: a new group of one).
    const sizes = [...Array(9).fill(1200), 500, 800, 800, 800, 1000];
    const packets = sizes.map((size, i) => numberedPacket(i, size));
    for (const packet of packets) pushPacket(batch, socket, packet);
    expect(batch.flush()).toBe(14);
    expect(batch.lastFlush).toMatchObject({ packetsSent: 14, gsoDatagrams: 2, sendCalls: 1, gsoFallbacks: 0 });
    expect(batch.lastFlush.bytesSent).toBe(sizes.reduce((a, b) => a + b, 0));
    await waitFor(() => o.received.length >= 14);
    await settle(20);
    expect(o.received.map((r) => r.data.length)).toEqual(sizes);
    expect(o.received.map((r) => r.data)).toEqual(packets);
  });

  it('splits runs at 64 segments and at the 64 KiB datagram limit', async () => {
    const o = await oracle();
    const socket = connected(o.port);
    const batch = udp.createSendBatch({ capacity: 256 });
    const small = Array.from({ length: 100 }, (_, i) => numberedPacket(i, 100)); // 64 + 36 segments
    for (const packet of small) pushPacket(batch, socket, packet);
    batch.flush();
    expect(batch.lastFlush).toMatchObject({ packetsSent: 100, gsoDatagrams: 2 });
    const large = Array.from({ length: 60 }, (_, i) => numberedPacket(1000 + i, 1400)); // 46 x 1400 <= 65507 < 47 x 1400
    for (const packet of large) pushPacket(batch, socket, packet);
    batch.flush();
    expect(batch.lastFlush).toMatchObject({ packetsSent: 60, gsoDatagrams: 2 });
    await waitFor(() => o.received.length >= 160);
    expect(o.received.map((r) => r.data)).toEqual([...small, ...large]);
  });

  it('falls back to sendmmsg for good when the kernel refuses GSO (no UDP checksum: EINVAL), losing nothing', async () => {
    const o = await oracle();
    const socket = connected(o.port, { udpChecksum: false });
    expect(socket.counters().gso).toBe('active');
    const batch = udp.createSendBatch({ capacity: 64 });
    const first = Array.from({ length: 10 }, (_, i) => numberedPacket(i, 1000));
    for (const packet of first) pushPacket(batch, socket, packet);
    expect(batch.flush()).toBe(10);
    expect(batch.lastFlush).toMatchObject({ packetsSent: 10, gsoFallbacks: 1, gsoDatagrams: 0, errors: 0, packetsDropped: 0 });
    expect(socket.counters()).toMatchObject({ gso: 'refused', gsoRefusedError: 'EINVAL', packetsSent: 10, sendErrors: 0 });
    const second = Array.from({ length: 10 }, (_, i) => numberedPacket(10 + i, 1000));
    for (const packet of second) pushPacket(batch, socket, packet);
    expect(batch.flush()).toBe(10);
    expect(batch.lastFlush).toMatchObject({ gsoFallbacks: 0, gsoDatagrams: 0, sendCalls: 1 });
    await waitFor(() => o.received.length >= 20);
    expect(o.received.map((r) => r.data)).toEqual([...first, ...second]);
  });

  it('counts an unaddressable packet once when its run is rebuilt after the refusal', async () => {
    const o = await oracle();
    const socket = connected(o.port, { udpChecksum: false });
    const batch = udp.createSendBatch({ capacity: 64 });
    const ipv6 = udp.destination('::1', o.port); // an IPv4 socket cannot send there
    for (let i = 0; i < 10; i++) pushPacket(batch, socket, numberedPacket(i, 1000));
    pushPacket(batch, socket, numberedPacket(10, 1000), ipv6);
    for (let i = 11; i < 21; i++) pushPacket(batch, socket, numberedPacket(i, 1000));
    expect(batch.flush()).toBe(20);
    expect(batch.lastFlush).toMatchObject({ packetsSent: 20, packetsDropped: 1, errors: 1, gsoFallbacks: 1 });
    expect(socket.counters()).toMatchObject({ sendErrors: 1, sendDropped: 1, lastSendError: 'EAFNOSUPPORT' });
    await waitFor(() => o.received.length >= 20);
    expect(o.received.map((r) => r.data.readUInt32BE(0))).toEqual([...Array(10).keys(), ...Array.from({ length: 10 }, (_, i) => 11 + i)]);
  });

  it('does not use GSO when asked not to', async () => {
    const o = await oracle();
    const socket = connected(o.port, { gso: false });
    const batch = udp.createSendBatch({ capacity: 16 });
    for (let i = 0; i < 10; i++) pushPacket(batch, socket, numberedPacket(i, 1000));
    batch.flush();
    expect(batch.lastFlush).toMatchObject({ packetsSent: 10, gsoDatagrams: 0, sendCalls: 1 });
    expect(socket.counters().gso).toBe('disabled');
    await waitFor(() => o.received.length >= 10);
    expect(o.received).toHaveLength(10);
  });
});

describe('SendBatch: destinations, errors and closed sockets', () => {
  it('sends from one unconnected socket to a per-packet destination', async () => {
    const a = await oracle();
    const b = await oracle();
    const socket = udp.openSocket({ bind: { host: '127.0.0.1' } });
    cleanups.push(() => socket.close());
    const toA = udp.destination('127.0.0.1', a.port);
    const toB = udp.destination('127.0.0.1', b.port);
    expect(udp.formatDestination(toA)).toBe(`127.0.0.1:${a.port}`);
    const batch = udp.createSendBatch({ capacity: 16 });
    for (let i = 0; i < 6; i++) pushPacket(batch, socket, numberedPacket(i, 1000), i % 2 === 0 ? toA : toB);
    expect(batch.flush()).toBe(6);
    expect(batch.lastFlush).toMatchObject({ packetsSent: 6, gsoDatagrams: 0, sendCalls: 1 });
    await waitFor(() => a.received.length >= 3 && b.received.length >= 3);
    expect(a.received.map((r) => r.data.readUInt32BE(0))).toEqual([0, 2, 4]);
    expect(b.received.map((r) => r.data.readUInt32BE(0))).toEqual([1, 3, 5]);
    expect(new Set([...a.received, ...b.received].map((r) => r.fromPort))).toEqual(new Set([socket.local.port]));
  });

  it('counts a packet without a destination on an unconnected socket as an error (EDESTADDRREQ)', () => {
    const socket = udp.openSocket({ bind: { host: '127.0.0.1' } });
    cleanups.push(() => socket.close());
    const batch = udp.createSendBatch({ capacity: 4 });
    pushPacket(batch, socket, numberedPacket(0, 100));
    expect(batch.flush()).toBe(0);
    expect(batch.lastFlush).toMatchObject({ packetsSent: 0, packetsDropped: 1, errors: 1 });
    expect(socket.counters()).toMatchObject({ sendErrors: 1, sendDropped: 1, lastSendError: 'EDESTADDRREQ' });
  });

  it('counts ECONNREFUSED from ICMP port unreachable per socket, and the packets it cost', async () => {
    const closed = await dgramOracle();
    const port = closed.port;
    await closed.close(); // nothing listens there now
    const socket = connected(port, { gso: false });
    const batch = udp.createSendBatch({ capacity: 4 });
    for (let attempt = 0; attempt < 50 && socket.counters().connectionRefused === 0; attempt++) {
      pushPacket(batch, socket, numberedPacket(0, 100));
      pushPacket(batch, socket, numberedPacket(1, 100));
      batch.flush();
      await settle(1);
    }
    const counters = socket.counters();
    expect(counters.connectionRefused).toBeGreaterThanOrEqual(1);
    expect(counters.lastSendError).toBe('ECONNREFUSED');
    expect(counters.sendDropped).toBe(counters.sendErrors);
    expect(batch.totals.packetsSent + batch.totals.packetsDropped).toBe(counters.packetsSent + counters.sendDropped);
  });

  it('drops and counts packets whose socket was closed before the flush, and still sends the others', async () => {
    const o = await oracle();
    const open = connected(o.port);
    const gone = connected(o.port);
    const batch = udp.createSendBatch({ capacity: 16 });
    for (let i = 0; i < 3; i++) pushPacket(batch, gone, numberedPacket(i, 100));
    for (let i = 3; i < 5; i++) pushPacket(batch, open, numberedPacket(i, 100));
    gone.close();
    gone.close(); // idempotent
    expect(gone.closed).toBe(true);
    expect(batch.flush()).toBe(2);
    expect(batch.lastFlush).toMatchObject({ packetsSent: 2, packetsDropped: 3, errors: 1 });
    await waitFor(() => o.received.length >= 2);
    expect(o.received.map((r) => r.data.readUInt32BE(0))).toEqual([3, 4]);
  });

  it('sends over IPv6 with GSO', async ({ skip }) => {
    if (!(await ipv6Available())) skip('IPv6 (::1) is not available on this machine');
    const o = await oracle('::1');
    const socket = udp.openSocket({ connect: { host: '::1', port: o.port } });
    cleanups.push(() => socket.close());
    expect(socket.family).toBe(6);
    expect(socket.local.host).toBe('::');
    const batch = udp.createSendBatch({ capacity: 16 });
    const packets = [...Array.from({ length: 5 }, (_, i) => numberedPacket(i, 1200)), numberedPacket(5, 300)];
    for (const packet of packets) pushPacket(batch, socket, packet);
    expect(batch.flush()).toBe(6);
    expect(batch.lastFlush.gsoDatagrams).toBe(1);
    await waitFor(() => o.received.length >= 6);
    expect(o.received.map((r) => r.data)).toEqual(packets);
    expect(udp.formatDestination(udp.destination('::1', 5004))).toBe('[::1]:5004');
  });
});
