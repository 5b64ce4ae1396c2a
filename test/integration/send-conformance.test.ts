import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { H264Depacketizer } from '../../src/rtp/index.js';
import { spawnCli } from '../helpers/spawn-cli.js';

/**
 * An independent RTP checker (its own header parsing, no avcm probe code) listens while
 * `avcm send` runs 20 participants in 2 engine processes, and checks the wire contract:
 * RFC 3550 headers, RFC 8285 one-byte extensions (participant id BE, abs-send-time), RFC 6184
 * H.264 that ffmpeg decodes after depacketizing, RFC 7587 Opus at 50 packets/s, 30 frames/s.
 */
interface Stream {
  pt: number;
  participant: number;
  packets: number;
  markers: number;
  lastSeq: number;
  seqGaps: number;
  timestamps: Set<number>;
  badTimestampSteps: number;
  lastTs: number;
  depacketizer: H264Depacketizer;
  annexB: Buffer[];
}

// Both UDP I/O paths must put the same conformant stream on the wire: the batched one (sendmmsg,
// GSO super-datagrams the kernel splits back) and node:dgram.
describe.each(['batched', 'dgram'] as const)('avcm send --io %s: wire conformance seen by an independent checker', (io) => {
  it('20 participants: conformant RTP, 30 video frames/s and 50 audio packets/s each, decodable H.264', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-send-'));
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 16 << 20 });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const port = socket.address().port;
    const streams = new Map<number, Stream>();
    const problems: string[] = [];
    /** Sender reports per SSRC, read here by hand (not by avcm's RTCP reader). */
    const reports = new Map<number, { count: number; cnames: Set<string>; lastPackets: number; receivedThen: number; ntpSkewMs: number[]; tsFromMedia: number[] }>();
    const readRtcp = (b: Buffer): void => {
      // RFC 3550 6.1: a compound starts with SR/RR; every packet is version 2; lengths add up.
      if (b[1] !== 200) return void problems.push(`RTCP compound starts with PT ${b[1]}, not SR`);
      let at = 0;
      let ssrc = -1;
      while (at < b.length) {
        if (at + 4 > b.length || b[at] >> 6 !== 2) return void problems.push('malformed RTCP packet');
        const type = b[at + 1];
        const bytes = (b.readUInt16BE(at + 2) + 1) * 4;
        if (at + bytes > b.length) return void problems.push('RTCP length past the datagram');
        if (type === 200) {
          ssrc = b.readUInt32BE(at + 4);
          const ntpMs = (b.readUInt32BE(at + 8) - 2_208_988_800) * 1000 + (b.readUInt32BE(at + 12) / 2 ** 32) * 1000;
          const r = reports.get(ssrc) ?? { count: 0, cnames: new Set(), lastPackets: 0, receivedThen: 0, ntpSkewMs: [], tsFromMedia: [] };
          r.count++;
          // The SR's RTP timestamp against the stream's latest packet when the SR arrived.
          const media = streams.get(ssrc);
          if (media) r.tsFromMedia.push(((b.readUInt32BE(at + 16) - media.lastTs + 2 ** 31) % 2 ** 32) - 2 ** 31);
          r.lastPackets = b.readUInt32BE(at + 20);
          r.receivedThen = streams.get(ssrc)?.packets ?? 0;
          r.ntpSkewMs.push(Date.now() - ntpMs);
          reports.set(ssrc, r);
        } else if (type === 202) {
          const length = b[at + 9];
          if (b[at + 8] !== 1) problems.push('SDES item is not a CNAME');
          reports.get(b.readUInt32BE(at + 4))?.cnames.add(b.toString('utf8', at + 10, at + 10 + length));
        }
        at += bytes;
      }
      if (ssrc < 0) problems.push('RTCP without an SR');
    };
    socket.on('message', (b: Buffer) => {
      // RFC 5761 4: RTP and RTCP share the 5-tuple; 192..223 in the second byte is RTCP.
      if (b[1] >= 192 && b[1] <= 223) return readRtcp(b);
      if (b[0] >> 6 !== 2) return void problems.push('version != 2');
      if ((b[0] & 0x10) === 0) return void problems.push('no header extension');
      const cc = b[0] & 0x0f;
      const pt = b[1] & 0x7f;
      const marker = (b[1] & 0x80) !== 0;
      const seq = b.readUInt16BE(2);
      const ts = b.readUInt32BE(4);
      const ssrc = b.readUInt32BE(8);
      let at = 12 + cc * 4;
      if (b.readUInt16BE(at) !== 0xbede) return void problems.push('not an RFC 8285 one-byte extension');
      const words = b.readUInt16BE(at + 2);
      const end = at + 4 + words * 4;
      at += 4;
      let participant = -1;
      let absSendTime = -1;
      while (at < end) {
        if (b[at] === 0) { at++; continue; }
        const id = b[at] >> 4;
        const len = (b[at] & 0x0f) + 1;
        if (id === 1 && len === 4) participant = b.readUInt32BE(at + 1);
        if (id === 2 && len === 3) absSendTime = b.readUIntBE(at + 1, 3);
        at += 1 + len;
      }
      if (participant < 0 || absSendTime < 0) problems.push('missing participant id or abs-send-time');
      const payload = b.subarray(end);
      let s = streams.get(ssrc);
      if (!s) {
        s = { pt, participant, packets: 0, markers: 0, lastSeq: seq - 1, seqGaps: 0, timestamps: new Set(), badTimestampSteps: 0, lastTs: ts, depacketizer: new H264Depacketizer(), annexB: [] };
        streams.set(ssrc, s);
      }
      s.packets++;
      if (marker) s.markers++;
      if (seq !== ((s.lastSeq + 1) & 0xffff)) s.seqGaps++;
      s.lastSeq = seq;
      const step = (ts - s.lastTs + 2 ** 32) % 2 ** 32;
      if (step !== 0 && step !== (pt === 96 ? 3000 : 960)) s.badTimestampSteps++;
      s.lastTs = ts;
      s.timestamps.add(ts);
      if (pt === 96 && streams.size <= 40 && s.participant === 1001) {
        const unit = s.depacketizer.push(payload, marker, ts);
        if (unit) s.annexB.push(unit);
      }
    });

    const scenario = path.join(dir, 'send.yaml');
    await writeFile(scenario, `version: 1\nname: conformance\nduration: 4s\nparticipants: { count: 20, base_port: 0 }\ntarget: udp://127.0.0.1:${port}\n`);
    const run = spawnCli(['send', scenario, '--partitions', '2', '--quiet', '--io', io], { timeoutMs: 60_000 });
    const exit = await run.done;
    await new Promise((r) => setTimeout(r, 300));
    socket.close();
    expect(exit.code, exit.stderr).toBe(0);
    const totals = JSON.parse(exit.stdout.trim().split('\n').at(-1)!) as { packetsSent: number; io: string; sendDropped: number };
    expect(totals.io).toBe(io);
    expect(totals.sendDropped).toBe(0);

    expect(problems.slice(0, 5)).toEqual([]);
    const video = [...streams.values()].filter((s) => s.pt === 96);
    const audio = [...streams.values()].filter((s) => s.pt === 111);
    expect(video).toHaveLength(20);
    expect(audio).toHaveLength(20);
    expect(new Set(video.map((s) => s.participant))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => 1001 + i)));
    const received = [...streams.values()].reduce((sum, s) => sum + s.packets, 0);
    expect(received).toBe(totals.packetsSent);
    for (const s of video) {
      expect(s.markers).toBe(120); // 4 s x 30 frames/s, one marker per access unit
      expect(s.timestamps.size).toBe(120);
      expect(s.seqGaps).toBe(0);
      expect(s.badTimestampSteps).toBe(0);
    }
    for (const s of audio) {
      expect(s.packets).toBe(200); // 4 s x 50 packets/s (20 ms)
      expect(s.seqGaps).toBe(0);
      expect(s.badTimestampSteps).toBe(0);
    }

    // Sender reports (RFC 3550 6.4.1): about once a second per stream (each interval 0.5-1.5 s),
    // with the stream's CNAME, an NTP time of now, an RTP timestamp on the stream's clock near its
    // latest packet, and a packet count that never runs ahead of what arrived.
    for (const [ssrc, s] of streams) {
      const r = reports.get(ssrc);
      expect(r, `sender reports for SSRC ${ssrc}`).toBeDefined();
      expect(r!.count).toBeGreaterThanOrEqual(2);
      expect(r!.count).toBeLessThanOrEqual(9);
      expect([...r!.cnames]).toEqual([`avcm-${s.participant}`]);
      for (const skew of r!.ntpSkewMs) expect(Math.abs(skew)).toBeLessThan(1_000);
      // The same instant on the media clock: within a few frames of the latest packet (send-side pacing).
      const step = s.pt === 96 ? 3000 : 960;
      for (const d of r!.tsFromMedia) expect(Math.abs(d), `SR timestamp vs media of SSRC ${ssrc}`).toBeLessThan(step * 5);
      expect(r!.lastPackets).toBeLessThanOrEqual(s.packets);
      expect(r!.lastPackets).toBeGreaterThanOrEqual(r!.receivedThen - 2);
    }

    const first = video.find((s) => s.participant === 1001)!;
    expect(first.depacketizer.errors).toBe(0);
    const h264 = path.join(dir, 'p1001.h264');
    await writeFile(h264, Buffer.concat(first.annexB));
    const decode = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', '-i', h264, '-f', 'framemd5', '-'], { encoding: 'utf8' });
    expect(decode.status).toBe(0);
    expect(decode.stderr, 'ffmpeg reported decoding errors').toBe('');
    const frames = decode.stdout.split('\n').filter((l) => /^\s*0,/.test(l));
    expect(frames.length).toBe(first.annexB.length);
  }, 90_000);
  it('a simulcast publisher: three SSRCs per participant, each its RID (RFC 8852, read here by hand) and decodable by ffmpeg at its own resolution', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-send-sim-'));
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 16 << 20 });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const port = socket.address().port;
    interface Layer { participant: number; rids: Set<string>; mids: number; packets: number; lastSeq: number; seqGaps: number; timestamps: number[]; depacketizer: H264Depacketizer; annexB: Buffer[] }
    const layers = new Map<number, Layer>();
    const problems: string[] = [];
    socket.on('message', (b: Buffer) => {
      if (b[1] >= 192 && b[1] <= 223) return; // RTCP
      if (b[0] >> 6 !== 2 || (b[0] & 0x10) === 0) return void problems.push('not RTP v2 with an extension');
      if ((b[1] & 0x7f) !== 96) return; // audio
      let at = 12 + (b[0] & 0x0f) * 4;
      if (b.readUInt16BE(at) !== 0xbede) return void problems.push('not an RFC 8285 one-byte extension');
      const end = at + 4 + b.readUInt16BE(at + 2) * 4;
      at += 4;
      let participant = -1;
      let rid: string | null = null;
      let mid = false;
      // RFC 8285 4.2: ID 0 pads; ID 15 ends the block; L + 1 data bytes.
      while (at < end) {
        if (b[at] === 0) { at++; continue; }
        const id = b[at] >> 4;
        if (id === 15) break;
        const len = (b[at] & 0x0f) + 1;
        if (id === 1 && len === 4) participant = b.readUInt32BE(at + 1);
        if (id === 10) rid = b.toString('ascii', at + 1, at + 1 + len); // rtp-stream-id, the scenario default id
        if (id === 4) mid = true;
        at += 1 + len;
      }
      if (rid === null) return void problems.push('video packet without a RID');
      const ssrc = b.readUInt32BE(8);
      const seq = b.readUInt16BE(2);
      const ts = b.readUInt32BE(4);
      let layer = layers.get(ssrc);
      if (!layer) {
        layer = { participant, rids: new Set(), mids: 0, packets: 0, lastSeq: seq - 1, seqGaps: 0, timestamps: [], depacketizer: new H264Depacketizer(), annexB: [] };
        layers.set(ssrc, layer);
      }
      layer.rids.add(rid);
      if (mid) layer.mids++;
      layer.packets++;
      if (seq !== ((layer.lastSeq + 1) & 0xffff)) layer.seqGaps++;
      layer.lastSeq = seq;
      if (layer.timestamps.at(-1) !== ts) layer.timestamps.push(ts);
      const unit = layer.depacketizer.push(b.subarray(end), (b[1] & 0x80) !== 0, ts);
      if (unit) layer.annexB.push(unit);
    });

    const scenario = path.join(dir, 'simulcast.yaml');
    await writeFile(scenario, `version: 1\nname: conformance-simulcast\nduration: 3s\nmedia: { video: { simulcast: true } }\nparticipants: { count: 3, base_port: 0 }\ntarget: udp://127.0.0.1:${port}\n`);
    const run = spawnCli(['send', scenario, '--partitions', '1', '--quiet'], { timeoutMs: 60_000 });
    const exit = await run.done;
    await new Promise((r) => setTimeout(r, 300));
    socket.close();
    expect(exit.code, exit.stderr).toBe(0);
    expect(problems.slice(0, 5)).toEqual([]);

    expect(layers.size).toBe(9);
    const byParticipant = new Map<number, Layer[]>();
    for (const layer of layers.values()) byParticipant.set(layer.participant, [...(byParticipant.get(layer.participant) ?? []), layer]);
    expect([...byParticipant.keys()].sort()).toEqual([1001, 1002, 1003]);
    const expectedSize: Record<string, string> = { h: '1280x720', m: '640x360', l: '320x180' };
    for (const [participant, own] of byParticipant) {
      // three SSRCs, one RID each, h/m/l
      expect(own.map((l) => [...l.rids].join()).sort()).toEqual(['h', 'l', 'm']);
      for (const layer of own) {
        expect(layer.seqGaps).toBe(0);
        expect(layer.mids).toBe(0); // plain RTP: no MID
        expect(layer.timestamps).toHaveLength(90); // 3 s x 30 frames/s
        expect(layer.depacketizer.errors).toBe(0);
      }
      // one frame grid: the layers carry the same RTP timestamps
      expect(own[1].timestamps).toEqual(own[0].timestamps);
      expect(own[2].timestamps).toEqual(own[0].timestamps);
      if (participant !== 1001) continue;
      for (const layer of own) {
        const rid = [...layer.rids][0];
        const file = path.join(dir, `p${participant}-${rid}.h264`);
        await writeFile(file, Buffer.concat(layer.annexB));
        const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0:s=x', file], { encoding: 'utf8' });
        expect(probe.status, probe.stderr).toBe(0);
        expect(probe.stdout.trim(), `layer ${rid}`).toBe(expectedSize[rid]);
        const decode = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', '-i', file, '-f', 'framemd5', '-'], { encoding: 'utf8' });
        expect(decode.status).toBe(0);
        expect(decode.stderr, `ffmpeg decoding errors in layer ${rid}`).toBe('');
        expect(decode.stdout.split('\n').filter((l) => /^\s*0,/.test(l)).length).toBe(layer.annexB.length);
      }
    }
  }, 90_000);
});
