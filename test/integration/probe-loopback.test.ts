import dgram from 'node:dgram';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { chooseIo, type IoPath } from '../../src/io/index.js';
import { ProbeReceiver } from '../../src/probe/index.js';
import { absSendTime, EXT, rtpPacket } from '../unit/probe/packets.js';

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe.each(['batched', 'dgram'] as const)('probe over a real UDP socket on loopback (%s I/O)', (ioPath: IoPath) => {
  const io = chooseIo(ioPath, process.env);

  it('counts 500 packets of two participants (audio + video), loss, reordering and delay', async () => {
    const probe = await ProbeReceiver.open({ listen: { host: '127.0.0.1', port: 0 }, videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, expectedDurationMs: 5000, io });
    expect(probe.io).toBe(ioPath);
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
      expect(report.io).toBe(ioPath);
      // The socket's own drop counter exists only on the batched layer.
      expect(report.kernelDrops).toBe(ioPath === 'batched' ? 0 : null);
    } finally {
      sender.close();
      await probe.close();
    }
  });

  it('listens on IPv6 loopback when the host is an IPv6 address', async (ctx) => {
    const probe = await ProbeReceiver.open({ listen: { host: '::1', port: 0 }, videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, io }).catch(() => null);
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
    const probe = await ProbeReceiver.open({ listen: { host: '127.0.0.1', port: 0 }, videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, io });
    const port = probe.address.port;
    await probe.close();
    const again = dgram.createSocket('udp4');
    again.bind(port, '127.0.0.1');
    await once(again, 'listening');
    again.close();
  });

  it("sends each source's NACKs back to that source's own address and port", async () => {
    const probe = await ProbeReceiver.open({
      listen: { host: '127.0.0.1', port: 0 },
      videoPayloadType: 96,
      audioPayloadType: 111,
      extensions: EXT,
      viewer: { nack: true, pli: false, jitterBuffer: { fixedDelayMs: 2000 } },
      rtcp: { ssrc: 0xabcd, reportIntervalMs: null },
      io,
    });
    probe.start(Date.now());
    // Three senders on their own ports, each a video stream with its own gap, their packets interleaved.
    const senders = await Promise.all([0, 1, 2].map(() => nackedSender()));
    try {
      const gaps = [[3], [5, 6], [8]];
      for (let seq = 0; seq < 12; seq++) {
        for (const [k, sender] of senders.entries()) {
          if (gaps[k].includes(seq)) continue;
          sender.socket.send(rtpPacket({ seq, ts: seq * 3000, pt: 96, ssrc: 0x100 + k, participant: 2001 + k, marker: true, payloadBytes: 300 }), probe.address.port, '127.0.0.1');
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      await waitFor(() => senders.every((s, k) => gaps[k].every((seq) => s.nacked.some((n) => n.seq === seq))), 5000);
      for (const [k, sender] of senders.entries()) {
        // Only its own stream's NACKs, for exactly its own gap.
        expect(new Set(sender.nacked.map((n) => n.ssrc))).toEqual(new Set([0x100 + k]));
        expect(new Set(sender.nacked.map((n) => n.seq))).toEqual(new Set(gaps[k]));
      }
    } finally {
      for (const s of senders) s.socket.close();
      await probe.close();
    }
  });
});

/** A plain RTP sender that records the (media SSRC, sequence number) of every generic NACK (RFC 4585 6.2.1) it receives. */
async function nackedSender(): Promise<{ socket: dgram.Socket; nacked: { ssrc: number; seq: number }[] }> {
  const socket = dgram.createSocket('udp4');
  const nacked: { ssrc: number; seq: number }[] = [];
  socket.on('message', (buf) => {
    for (let at = 0; at + 12 <= buf.length; ) {
      const end = at + 4 * (buf.readUInt16BE(at + 2) + 1);
      if (buf[at + 1] === 205 && (buf[at] & 0x1f) === 1) {
        const ssrc = buf.readUInt32BE(at + 8);
        for (let fci = at + 12; fci + 4 <= end; fci += 4) {
          const pid = buf.readUInt16BE(fci);
          const blp = buf.readUInt16BE(fci + 2);
          nacked.push({ ssrc, seq: pid });
          for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) nacked.push({ ssrc, seq: (pid + bit + 1) & 0xffff });
        }
      }
      at = end;
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, nacked };
}
