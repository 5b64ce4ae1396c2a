import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { UdpDestination, type BatchedUdpSocket, type ReceiveBatch } from '../../../src/io/index.js';
import { batchedUdp, dgramSender, ipv6Available, numberedPacket, settle, waitFor } from './helpers.js';

const udp = batchedUdp();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function receiver(options: Parameters<typeof udp.openSocket>[0] = {}): BatchedUdpSocket {
  const socket = udp.openSocket({ bind: { host: '127.0.0.1' }, receiveBufferBytes: 4 << 20, ...options });
  cleanups.push(() => socket.close());
  return socket;
}

async function sender(host = '127.0.0.1') {
  const s = await dgramSender(host);
  cleanups.push(() => s.close());
  return s;
}

/** Sends `count` numbered datagrams of `length` bytes; they are queued at the receiver when this resolves. */
async function sendNumbered(count: number, length: number, port: number, host = '127.0.0.1') {
  const s = await sender(host);
  for (let i = 0; i < count; i++) await s.send(numberedPacket(i, length), port);
  return s;
}

/** Copies what JS would read out of a batch during onBatch. */
function snapshot(batch: ReceiveBatch, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    data: Buffer.from(batch.datagram(i)),
    family: batch.family[i],
    address: batch.address[i * 4],
    port: batch.port[i],
    arrivalEpochMs: batch.arrivalEpochMs[i],
    truncated: batch.truncated[i],
  }));
}

describe('ReceiveBatch: recvmmsg batches', () => {
  it('hands JS whole batches (16, 16, 8 of 40 queued datagrams) with lengths, sources and contents', async () => {
    const socket = receiver();
    const s = await sendNumbered(40, 1000, socket.local.port);
    const batch = udp.createReceiveBatch({ capacity: 16, slotBytes: 2048 });
    const counts: number[] = [];
    const seen: ReturnType<typeof snapshot> = [];
    socket.startReceiving(batch, (count) => {
      counts.push(count);
      seen.push(...snapshot(batch, count));
    });
    await waitFor(() => seen.length >= 40);
    expect(counts).toEqual([16, 16, 8]);
    expect(seen.map((d) => d.data)).toEqual(Array.from({ length: 40 }, (_, i) => numberedPacket(i, 1000)));
    expect(new Set(seen.map((d) => `${d.family} ${d.address.toString(16)} ${d.port} ${d.truncated}`))).toEqual(new Set([`4 7f000001 ${s.port} 0`]));
    expect(Array.from(batch.offset.subarray(0, 3))).toEqual([0, 2048, 4096]);
    expect(socket.counters()).toMatchObject({ datagramsReceived: 40, bytesReceived: 40_000, batchesDelivered: 3, truncated: 0, kernelDrops: 0, receiveErrors: 0 });
  });

  it('flags a datagram longer than its slot as truncated (MSG_TRUNC) and keeps the slot-sized start', async () => {
    const socket = receiver();
    const s = await sender();
    await s.send(numberedPacket(1, 150), socket.local.port);
    await s.send(numberedPacket(2, 50), socket.local.port);
    const batch = udp.createReceiveBatch({ capacity: 4, slotBytes: 100 });
    const seen: ReturnType<typeof snapshot> = [];
    socket.startReceiving(batch, (count) => seen.push(...snapshot(batch, count)));
    await waitFor(() => seen.length >= 2);
    expect(seen.map((d) => [d.data.length, d.truncated])).toEqual([[100, 1], [50, 0]]);
    expect(seen[0].data).toEqual(numberedPacket(1, 150).subarray(0, 100));
    expect(socket.counters().truncated).toBe(1);
  });

  it('stamps datagrams with the kernel arrival time (SO_TIMESTAMPNS), not the later read time', async () => {
    const socket = receiver();
    const batch = udp.createReceiveBatch({ capacity: 8 });
    // Receiving once turns timestamping on for the socket before the datagrams arrive.
    socket.startReceiving(batch, () => undefined);
    socket.stopReceiving();
    const s = await sender();
    const beforeSend = Date.now();
    for (let i = 0; i < 5; i++) await s.send(numberedPacket(i, 200), socket.local.port);
    const afterSend = Date.now();
    await settle(200); // read well after arrival: a read-time stamp would be >= afterSend + 200
    const seen: ReturnType<typeof snapshot> = [];
    socket.startReceiving(batch, (count) => seen.push(...snapshot(batch, count)));
    await waitFor(() => seen.length >= 5);
    for (const d of seen) {
      // Date.now() floors to whole ms: allow 1 ms either side.
      expect(d.arrivalEpochMs).toBeGreaterThanOrEqual(beforeSend - 1);
      expect(d.arrivalEpochMs).toBeLessThanOrEqual(afterSend + 1);
    }
    expect(seen.map((d) => d.arrivalEpochMs)).toEqual([...seen.map((d) => d.arrivalEpochMs)].sort((a, b) => a - b));
  });

  it('counts what the kernel dropped for a full receive buffer: received + kernelDrops = sent, nothing silent', async () => {
    const socket = receiver({ receiveBufferBytes: 8192 }); // a few datagrams' worth, and not reading yet
    const sent = 200;
    await sendNumbered(sent, 1000, socket.local.port);
    const drops = socket.counters().kernelDrops;
    expect(drops).toBeGreaterThan(0);
    const batch = udp.createReceiveBatch({ capacity: 64 });
    let received = 0;
    socket.startReceiving(batch, (count) => (received += count));
    await waitFor(() => received + drops >= sent);
    await settle(20);
    expect(received + socket.counters().kernelDrops).toBe(sent);
    expect(socket.counters().kernelDrops).toBe(drops);
  });

  it('answers each sender through the source it reported (unconnected send with a per-packet destination)', async () => {
    const socket = receiver();
    const batch = udp.createReceiveBatch({ capacity: 8 });
    const replies = udp.createSendBatch({ capacity: 8 });
    const from = new UdpDestination();
    socket.startReceiving(batch, (count) => {
      for (let i = 0; i < count; i++) replies.push(socket, Buffer.from('re:'), 3, batch.datagram(i), batch.sourceInto(i, from));
      replies.flush();
    });
    const peers = [await sender(), await sender()];
    for (const [k, peer] of peers.entries()) await peer.send(Buffer.from(`hello ${k}`), socket.local.port);
    await waitFor(() => peers.every((p) => p.replies.length >= 1));
    expect(peers.map((p) => p.replies.map(String))).toEqual([['re:hello 0'], ['re:hello 1']]);
    expect(replies.totals).toMatchObject({ packetsSent: 2, packetsDropped: 0, errors: 0 });
  });

  it('an ICMP error on a connected receiving socket is counted and receiving goes on (libuv stops a poll on POLLERR)', async () => {
    const gone = await dgramSender();
    const peerPort = gone.port;
    await gone.close();
    const socket = receiver({ connect: { host: '127.0.0.1', port: peerPort } });
    const batch = udp.createReceiveBatch({ capacity: 8 });
    const received: string[] = [];
    socket.startReceiving(batch, (count) => {
      for (let i = 0; i < count; i++) received.push(batch.datagram(i).toString());
    });
    const send = udp.createSendBatch({ capacity: 1 });
    send.push(socket, Buffer.from('anyone?'), 7, null);
    send.flush();
    await waitFor(() => socket.counters().receiveErrors >= 1);
    expect(socket.counters()).toMatchObject({ receiveErrors: 1, lastReceiveError: 'ECONNREFUSED' });
    // The peer comes up on that port and answers: the socket still reads.
    const peer = udp.openSocket({ bind: { host: '127.0.0.1', port: peerPort }, connect: { host: '127.0.0.1', port: socket.local.port } });
    cleanups.push(() => peer.close());
    send.push(peer, Buffer.from('here'), 4, null);
    send.flush();
    await waitFor(() => received.length >= 1);
    expect(received).toEqual(['here']);
  });

  it('reports IPv6 sources', async ({ skip }) => {
    if (!(await ipv6Available())) skip('IPv6 (::1) is not available on this machine');
    const socket = receiver({ bind: { host: '::1' } });
    expect(socket.family).toBe(6);
    const s = await sendNumbered(3, 100, socket.local.port, '::1');
    const batch = udp.createReceiveBatch({ capacity: 8 });
    const sources: string[] = [];
    const from = new UdpDestination();
    socket.startReceiving(batch, (count) => {
      for (let i = 0; i < count; i++) sources.push(udp.formatDestination(batch.sourceInto(i, from)));
    });
    await waitFor(() => sources.length >= 3);
    expect(sources).toEqual(Array(3).fill(`[::1]:${s.port}`));
    expect(Array.from(batch.address.subarray(0, 4))).toEqual([0, 0, 0, 1]);
  });
});

describe('ReceiveBatch: stop and close at awkward moments', () => {
  it('keeps the batch memory valid while receiving even after JS dropped the ReceiveBatch and GC ran', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const socket = receiver();
    let received = 0;
    // 4 MiB of slab: freed memory of that size goes back to the system, so a write into it would fault (EFAULT).
    (() => socket.startReceiving(udp.createReceiveBatch({ capacity: 2048, slotBytes: 2048 }), (count) => (received += count)))();
    for (let i = 0; i < 3; i++) {
      gc();
      await settle(10);
    }
    await sendNumbered(100, 1000, socket.local.port);
    await waitFor(() => received >= 100);
    expect(socket.counters()).toMatchObject({ datagramsReceived: 100, receiveErrors: 0, kernelDrops: 0 });
  });


  it('close() inside onBatch: no further callback, no crash, final counters kept', async () => {
    const socket = receiver();
    await sendNumbered(40, 500, socket.local.port);
    const batch = udp.createReceiveBatch({ capacity: 16 });
    const counts: number[] = [];
    socket.startReceiving(batch, (count) => {
      counts.push(count);
      socket.close();
      socket.close();
    });
    await waitFor(() => counts.length >= 1);
    await settle();
    expect(counts).toEqual([16]);
    expect(socket.closed).toBe(true);
    expect(socket.counters()).toMatchObject({ datagramsReceived: 16, batchesDelivered: 1 });
  });

  it('stopReceiving() inside onBatch stops after that batch; starting again delivers the rest', async () => {
    const socket = receiver();
    await sendNumbered(40, 500, socket.local.port);
    const batch = udp.createReceiveBatch({ capacity: 16 });
    const counts: number[] = [];
    socket.startReceiving(batch, (count) => {
      counts.push(count);
      socket.stopReceiving();
    });
    await waitFor(() => counts.length >= 1);
    await settle();
    expect(counts).toEqual([16]);
    socket.startReceiving(batch, (count) => counts.push(count));
    await waitFor(() => counts.length >= 3);
    expect(counts).toEqual([16, 16, 8]);
  });

  it('close() right after startReceiving with datagrams queued: the armed poll never calls back', async () => {
    const socket = receiver();
    await sendNumbered(10, 500, socket.local.port);
    const batch = udp.createReceiveBatch({ capacity: 16 });
    let calls = 0;
    socket.startReceiving(batch, () => calls++); // readable at once, but libuv calls back only on a later loop turn...
    socket.close(); // ...which comes after this close
    await settle();
    expect(calls).toBe(0);
    expect(socket.counters().datagramsReceived).toBe(0);
  });

  it('one batch serves two sockets; a closed socket cannot start again', async () => {
    const a = receiver();
    const b = receiver();
    const batch = udp.createReceiveBatch({ capacity: 8 });
    const got: string[] = [];
    a.startReceiving(batch, (count) => got.push(`a${count}`));
    b.startReceiving(batch, (count) => got.push(`b${count}`));
    await sendNumbered(3, 100, a.local.port);
    await sendNumbered(2, 100, b.local.port);
    await waitFor(() => got.length >= 2);
    expect(got.sort()).toEqual(['a3', 'b2']);
    a.close();
    expect(() => a.startReceiving(batch, () => undefined)).toThrow(/closed socket/);
    expect(() => b.startReceiving(batch, () => undefined)).toThrow(/already receiving/);
  });
});
