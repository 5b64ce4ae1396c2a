import dgram from 'node:dgram';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ProbeReceiver } from '../../src/probe/index.js';
import { absSendTime, EXT, rtpPacket } from '../unit/probe/packets.js';

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe('probe over a real UDP socket on loopback', () => {
  it('counts 500 packets of two participants (audio + video), loss, reordering and delay', async () => {
    const probe = await ProbeReceiver.open({ listen: { host: '127.0.0.1', port: 0 }, videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, expectedDurationMs: 5000 });
    probe.start(Date.now());
    const sender = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
    try {
      // 4 streams x 125 packets; audio of 1001 skips 10 sequence numbers (loss), video of 1002 swaps two.
      const plan: Buffer[] = [];
      for (let i = 0; i < 125; i++) {
        const abs = absSendTime(Date.now());
        plan.push(rtpPacket({ seq: i, ts: i * 960, ssrc: 11, participant: 1001, abs }));
        plan.push(rtpPacket({ seq: 1000 + i, ts: i * 3000, ssrc: 12, pt: 96, participant: 1001, marker: i % 5 === 4, abs, payloadBytes: 1100 }));
        plan.push(rtpPacket({ seq: 60_000 + i, ts: i * 960, ssrc: 21, participant: 1002, abs })); // wraps past 65535
        plan.push(rtpPacket({ seq: i === 50 ? 51 : i === 51 ? 50 : i, ts: i * 3000, ssrc: 22, pt: 96, participant: 1002, marker: true, abs, payloadBytes: 1100 }));
      }
      const skipped = new Set([40, 41, 42, 43, 44, 45, 46, 47, 48, 49].map((i) => i * 4)); // ssrc 11, seq 40..49
      let sent = 0;
      for (const [k, packet] of plan.entries()) {
        if (skipped.has(k)) continue;
        sender.send(packet, probe.address.port, '127.0.0.1');
        sent++;
        if (sent % 50 === 0) await new Promise((r) => setTimeout(r, 2)); // stay well inside the socket buffer
      }
      await waitFor(() => probe.packetsReceived >= sent, 5000);
      const report = probe.report();
      const byssrc = new Map(report.streams.map((s) => [s.ssrc, s]));
      expect(probe.packetsReceived).toBe(490);
      expect(byssrc.get(11)!.totals).toMatchObject({ received: 115, expected: 125, lost: 10, reordered: 0 });
      expect(byssrc.get(12)!.totals).toMatchObject({ received: 125, expected: 125, lost: 0, frames: 25 });
      expect(byssrc.get(21)!.totals).toMatchObject({ received: 125, expected: 125, lost: 0 });
      expect(byssrc.get(22)!.totals).toMatchObject({ received: 125, expected: 125, lost: 0, reordered: 1, frames: 125 });
      expect(report.streams.map((s) => [s.participantId, s.media])).toEqual([
        [1001, 'audio'],
        [1001, 'video'],
        [1002, 'audio'],
        [1002, 'video'],
      ]);
      const delays = report.streams.flatMap((s) => s.windows.map((w) => w.delayMsAvg)).filter((d): d is number => d !== null);
      expect(delays.length).toBeGreaterThan(0);
      for (const d of delays) {
        expect(d).toBeGreaterThan(-1);
        expect(d).toBeLessThan(1000);
      }
      expect(report.malformedPackets).toBe(0);
      expect(report.kernelRcvbufErrors).toBeGreaterThanOrEqual(0);
    } finally {
      sender.close();
      await probe.close();
    }
  });

  it('listens on IPv6 loopback when the host is an IPv6 address', async (ctx) => {
    const probe = await ProbeReceiver.open({ listen: { host: '::1', port: 0 }, videoPayloadType: 96, audioPayloadType: 111, extensions: EXT }).catch(() => null);
    if (!probe) return ctx.skip(); // no IPv6 on this host
    const sender = dgram.createSocket('udp6');
    try {
      for (let i = 0; i < 20; i++) sender.send(rtpPacket({ seq: i, ts: i * 960 }), probe.address.port, '::1');
      await waitFor(() => probe.packetsReceived >= 20, 3000);
      expect(probe.report().streams[0].totals).toMatchObject({ received: 20, lost: 0 });
    } finally {
      sender.close();
      await probe.close();
    }
  });

  it('close() releases the port', async () => {
    const probe = await ProbeReceiver.open({ listen: { host: '127.0.0.1', port: 0 }, videoPayloadType: 96, audioPayloadType: 111, extensions: EXT });
    const port = probe.address.port;
    await probe.close();
    const again = dgram.createSocket('udp4');
    again.bind(port, '127.0.0.1');
    await once(again, 'listening');
    again.close();
  });
});
