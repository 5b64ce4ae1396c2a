import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { chooseIo } from '../../../src/io/index.js';
import { openProbe, ProbeReceiver, ShardedProbe, type RunningProbe } from '../../../src/probe/index.js';
import type { ProbeReport, StreamReport } from '../../../src/probe/types.js';
import { absSendTime, EXT, rtpPacket } from '../../unit/probe/packets.js';

const SOURCES = 20;
const PACKETS_PER_STREAM = 120;

async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

async function bound(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/**
 * Deterministic traffic: each source (its own socket and port) sends an audio and a video stream,
 * and each source's streams have their own gaps, a duplicate and a swapped pair, so per-stream
 * totals differ from source to source and a mix-up between streams would show.
 */
function sourcePackets(k: number): Buffer[] {
  const packets: Buffer[] = [];
  const participant = 3001 + k;
  const gap = new Set([10 + k, 11 + k, 40 + 2 * k]);
  for (let i = 0; i < PACKETS_PER_STREAM; i++) {
    const abs = absSendTime(Date.now());
    if (!gap.has(i)) packets.push(rtpPacket({ seq: 100 * k + i, ts: i * 960, ssrc: 0x1000 + k, participant, abs, payloadBytes: 80 + k }));
    const videoSeq = i === 30 + k ? 31 + k : i === 31 + k ? 30 + k : i;
    packets.push(rtpPacket({ seq: videoSeq, ts: Math.floor(i / 3) * 3000, ssrc: 0x2000 + k, pt: 96, participant, marker: i % 3 === 2, abs, payloadBytes: 900 + k }));
    if (i === 60 + k) packets.push(packets[packets.length - 1]); // a duplicate
  }
  return packets;
}

/** Sends every source's packets to `port`, interleaved, paced well inside the socket buffers. */
async function sendTraffic(sockets: dgram.Socket[], port: number): Promise<number> {
  const perSource = sockets.map((_, k) => sourcePackets(k));
  let sent = 0;
  for (let i = 0; ; i++) {
    let any = false;
    for (const [k, socket] of sockets.entries()) {
      const packet = perSource[k][i];
      if (!packet) continue;
      any = true;
      socket.send(packet, port, '127.0.0.1');
      sent++;
    }
    if (!any) return sent;
    if (i % 8 === 7) await new Promise((r) => setTimeout(r, 2));
  }
}

async function received(probe: RunningProbe): Promise<number> {
  const report = await probe.report();
  return report.streams.reduce((sum, s) => sum + s.totals.received + s.totals.duplicates, 0);
}

/** What must be equal whichever shard measured a stream: identity and the RFC 3550 sequence figures (jitter and delay depend on arrival times). */
function exactFigures(stream: StreamReport) {
  const { jitterMs: _jitter, ...totals } = stream.totals;
  return { ssrc: stream.ssrc, participantId: stream.participantId, media: stream.media, payloadType: stream.payloadType, totals };
}

async function measure(shards: number, sockets: dgram.Socket[]): Promise<{ report: ProbeReport; probe: RunningProbe }> {
  const probe = await openProbe({ listen: { host: '127.0.0.1', port: 0 }, videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, expectedDurationMs: 10_000, io: chooseIo('batched', process.env), shards });
  try {
    probe.start(Date.now());
    const sent = await sendTraffic(sockets, probe.address.port);
    await waitFor(async () => (await received(probe)) >= sent, 10_000);
    return { report: await probe.report(), probe };
  } finally {
    await probe.close();
  }
}

describe('a probe sharded over worker threads (SO_REUSEPORT, batched I/O)', () => {
  it('measures the same per-stream totals as one receiver, with the streams spread over both shards', async () => {
    const sockets = await Promise.all(Array.from({ length: SOURCES }, () => bound()));
    try {
      const one = await measure(1, sockets);
      const two = await measure(2, sockets);
      expect(one.probe).toBeInstanceOf(ProbeReceiver);
      expect(two.probe).toBeInstanceOf(ShardedProbe);
      expect(two.report.io).toBe('batched');
      expect(one.report.streams).toHaveLength(2 * SOURCES);
      expect(two.report.streams.map(exactFigures)).toEqual(one.report.streams.map(exactFigures));
      // The traffic's own irregularities were measured (else equal totals would prove little).
      const audio0 = one.report.streams.find((s) => s.ssrc === 0x1000)!;
      expect(audio0.totals).toMatchObject({ received: PACKETS_PER_STREAM - 3, lost: 3 });
      expect(one.report.streams.find((s) => s.ssrc === 0x2000)!.totals).toMatchObject({ received: PACKETS_PER_STREAM, duplicates: 1, reordered: 1 });
      // The kernel spread the 20 sources over both shards (all on one: probability 2^-19), and no stream was split.
      const perShard = (two.probe as ShardedProbe).streamsPerShard;
      expect(perShard).toHaveLength(2);
      expect(perShard.every((n) => n > 0 && n % 2 === 0)).toBe(true);
      expect(perShard[0] + perShard[1]).toBe(2 * SOURCES);
      expect(two.report.malformedPackets).toBe(0);
      expect(two.report.kernelDrops).toBe(0);
      for (const stream of two.report.streams) expect(stream.windows).toHaveLength(two.report.windowCount);
    } finally {
      for (const s of sockets) s.close();
    }
  }, 60_000);

  it('merges the live figures of its shards (posted after each window)', async () => {
    const sockets = await Promise.all(Array.from({ length: 8 }, () => bound()));
    const probe = (await openProbe({ listen: { host: '127.0.0.1', port: 0 }, videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, io: chooseIo('batched', process.env), shards: 2 })) as ShardedProbe;
    try {
      probe.start(Date.now());
      expect(probe.liveStreams()).toEqual([]); // asks the shards for rows from now on
      const sent = await sendTraffic(sockets, probe.address.port);
      await waitFor(() => probe.live().packetsReceived >= sent && probe.liveStreams().length === 16, 10_000);
      const live = probe.live();
      expect(live.packetsReceived).toBe(sent);
      expect(live.streams).toBe(16);
      expect(probe.shardLive().every((parts) => parts !== null && parts.streams > 0)).toBe(true);
      expect(new Set(probe.liveStreams().map((r) => r.ssrc)).size).toBe(16);
    } finally {
      for (const s of sockets) s.close();
      await probe.close();
      await probe.close(); // idempotent
    }
  }, 30_000);

  it("answers each source's loss with NACKs from the shard that measures it, and the RTX that answer them repair the stream", async () => {
    const probe = (await openProbe({
      listen: { host: '127.0.0.1', port: 0 },
      videoPayloadType: 96,
      audioPayloadType: 111,
      extensions: EXT,
      viewer: { nack: true, pli: false, jitterBuffer: { fixedDelayMs: 3000 } },
      rtcp: { ssrc: 0xabcd, reportIntervalMs: null },
      rtx: { payloadType: 97 },
      io: chooseIo('batched', process.env),
      shards: 2,
    })) as ShardedProbe;
    const senders = await Promise.all(Array.from({ length: 12 }, (_, k) => rtxSender(probe.address.port, 0x300 + k, 0x400 + k, 4001 + k)));
    try {
      probe.start(Date.now());
      const gaps = senders.map((_, k) => [5 + (k % 4), 12 + (k % 3)]);
      for (let seq = 0; seq < 30; seq++) {
        for (const [k, sender] of senders.entries()) {
          const packet = rtpPacket({ seq, ts: seq * 3000, pt: 96, ssrc: 0x300 + k, participant: 4001 + k, marker: true, payloadBytes: 300 });
          sender.history.set(seq, packet);
          if (!gaps[k].includes(seq)) sender.socket.send(packet, probe.address.port, '127.0.0.1');
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      // Keep each stream going so its gaps are NACKed and repaired before anything is due.
      await waitFor(() => senders.every((s, k) => gaps[k].every((seq) => s.answered.has(seq))), 15_000);
      for (const [k, sender] of senders.entries()) expect([...sender.answered].sort((a, b) => a - b)).toEqual(gaps[k]);
      await waitFor(async () => {
        const report = await probe.report();
        return report.streams.every((s) => (s.viewer?.totals.retransmittedPackets ?? 0) >= 2);
      }, 10_000);
      const report = await probe.report();
      expect(report.streams).toHaveLength(12);
      for (const stream of report.streams) {
        expect(stream.viewer!.totals.nacksSent).toBeGreaterThan(0);
        expect(stream.viewer!.totals.retransmittedPackets).toBeGreaterThanOrEqual(2);
      }
      expect(report.feedback!.unmatchedRetransmissions).toBe(0);
      expect(probe.streamsPerShard.every((n) => n > 0)).toBe(true); // both shards answered some (all on one: probability 2^-11)
    } finally {
      for (const s of senders) s.socket.close();
      await probe.close();
    }
  }, 60_000);

  it('refuses a port another SO_REUSEPORT socket already holds (it would take a share of the packets)', async () => {
    const io = chooseIo('batched', process.env);
    if (io.path !== 'batched') throw new Error('the batched layer did not load');
    const intruder = io.udp.openSocket({ bind: { host: '127.0.0.1' }, reusePort: true });
    try {
      await expect(openProbe({ listen: { host: '127.0.0.1', port: intruder.local.port }, videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, io, shards: 2 })).rejects.toMatchObject({
        code: 'E_NETWORK',
        message: expect.stringContaining(`udp://127.0.0.1:${intruder.local.port} alone: 1 other socket shares it`),
      });
    } finally {
      intruder.close();
    }
  }, 30_000);

  it('says which port it cannot bind', async () => {
    const taken = await bound();
    try {
      const port = (taken.address() as { port: number }).port;
      await expect(openProbe({ listen: { host: '127.0.0.1', port }, videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, io: chooseIo('batched', process.env), shards: 2 })).rejects.toMatchObject({ code: 'E_NETWORK' });
    } finally {
      taken.close();
    }
  }, 30_000);
});

/** A sender that answers each generic NACK (RFC 4585 6.2.1) for its media SSRC with one RTX packet (RFC 4588: the original sequence number first). */
async function rtxSender(probePort: number, ssrc: number, rtxSsrc: number, participant: number) {
  const socket = await bound();
  const history = new Map<number, Buffer>();
  const answered = new Set<number>();
  let rtxSeq = 0;
  socket.on('message', (buf) => {
    for (let at = 0; at + 12 <= buf.length; ) {
      const end = at + 4 * (buf.readUInt16BE(at + 2) + 1);
      if (buf[at + 1] === 205 && (buf[at] & 0x1f) === 1 && buf.readUInt32BE(at + 8) === ssrc) {
        for (let fci = at + 12; fci + 4 <= end; fci += 4) {
          const pid = buf.readUInt16BE(fci);
          const blp = buf.readUInt16BE(fci + 2);
          const seqs = [pid, ...Array.from({ length: 16 }, (_, bit) => (blp & (1 << bit) ? (pid + bit + 1) & 0xffff : -1)).filter((s) => s >= 0)];
          for (const seq of seqs) {
            const original = history.get(seq);
            if (!original || answered.has(seq)) continue;
            answered.add(seq);
            const osn = Buffer.alloc(2);
            osn.writeUInt16BE(seq);
            const rtx = rtpPacket({ seq: rtxSeq++, ts: seq * 3000, pt: 97, ssrc: rtxSsrc, participant, marker: true, payloadBytes: 0 });
            socket.send(Buffer.concat([rtx, osn, original.subarray(original.length - 300)]), probePort, '127.0.0.1');
          }
        }
      }
      at = end;
    }
  });
  return { socket, history, answered };
}
