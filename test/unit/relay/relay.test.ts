import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, frameHeader, tcpToUdp, udpToTcp } from '../../../src/relay/index.js';

describe('framing', () => {
  it('reassembles frames from chunks split and merged at every byte boundary', () => {
    const datagrams = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(1400, 7), Buffer.from([1, 2, 3])];
    const stream = Buffer.concat(datagrams.flatMap((d) => [frameHeader(d.length), d]));
    for (let cut = 1; cut < stream.length; cut += 37) {
      const out: Buffer[] = [];
      const decoder = new FrameDecoder((d) => out.push(Buffer.from(d)));
      for (let at = 0; at < stream.length; at += cut) decoder.push(stream.subarray(at, at + cut));
      expect(out).toEqual(datagrams);
    }
  });
});

/** A datagram carrying its sequence number and a checksum of its random body. */
function makeDatagram(seq: number, size: number): Buffer {
  const body = Buffer.alloc(Math.max(24, size));
  body.writeUInt32BE(seq, 0);
  for (let i = 24; i < body.length; i++) body[i] = (seq * 31 + i * 7) & 0xff;
  createHash('sha256').update(body.subarray(24)).digest().copy(body, 4, 0, 20);
  return body;
}

function intact(d: Buffer): boolean {
  return createHash('sha256').update(d.subarray(24)).digest().subarray(0, 20).equals(d.subarray(4, 24));
}

describe('relay round trip over loopback: UDP -> TCP -> UDP', () => {
  it('carries 100k datagrams of random sizes with none lost, merged or altered, and survives a TCP reconnect', async () => {
    const sink = dgram.createSocket({ type: 'udp4', recvBufferSize: 16 << 20 });
    await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
    const far = await tcpToUdp({ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: sink.address().port });
    const near = await udpToTcp({ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: far.address.port });
    const seen = new Set<number>();
    let corrupt = 0;
    sink.on('message', (d: Buffer) => {
      if (!intact(d)) corrupt++;
      seen.add(d.readUInt32BE(0));
    });
    const sender = dgram.createSocket({ type: 'udp4', sendBufferSize: 8 << 20 });
    sender.connect(near.address.port, '127.0.0.1');
    await new Promise((r) => sender.once('connect', r));
    const waitUntil = async (check: () => boolean, ms: number): Promise<void> => {
      const deadline = Date.now() + ms;
      while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    };
    await waitUntil(() => near.counters.connected, 5000);
    let seed = 12345;
    const size = (): number => 1 + ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 1400);
    const total = 100_000;
    const batch = 500;
    for (let seq = 0; seq < total; seq++) {
      sender.send(makeDatagram(seq, size()));
      // Paced in batches so the kernel's UDP buffers never overflow: the relay, not the test, is under test.
      if (seq % batch === batch - 1) await waitUntil(() => seen.size >= seq + 1 - batch, 5000);
      if (seq === total / 2) {
        // Break the TCP connection mid-stream; the relay must reconnect and carry on.
        await waitUntil(() => seen.size >= seq, 5000);
        await far.close();
        const restarted = await tcpToUdp({ host: '127.0.0.1', port: far.address.port }, { host: '127.0.0.1', port: sink.address().port });
        Object.assign(far, restarted);
        await waitUntil(() => near.counters.connected && near.counters.reconnects > 0, 10_000);
      }
    }
    await waitUntil(() => seen.size >= total, 10_000);
    sender.close();
    await near.close();
    await far.close();
    sink.close();
    expect(corrupt).toBe(0);
    expect(near.counters.reconnects).toBeGreaterThanOrEqual(1);
    expect(near.counters.dropped).toBe(0);
    expect(seen.size).toBe(total);
  }, 120_000);
});
