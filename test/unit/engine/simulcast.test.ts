/**
 * The engine sending simulcast, in fake time: a compiled plan with three layers, a synthetic clip
 * per layer (each payload says which layer and frame it is), fake transports that record what
 * leaves and deliver RTCP back. Packets are read here by hand, not by avcm's parser.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PartitionEngine } from '../../../src/engine/partition-engine.js';
import type { Clock } from '../../../src/engine/clock.js';
import type { FeedbackHandler, ParticipantTransport } from '../../../src/engine/transport.js';
import type { MediaLibrary, VideoTrack } from '../../../src/media/index.js';
import { compile } from '../../../src/plan/index.js';
import type { Plan } from '../../../src/plan/types.js';
import { isRtcpPacket, writeNack, writePli, writeReceiverReport } from '../../../src/rtcp/index.js';
import { parseScenarioText, validateLoaded } from '../../../src/scenario/index.js';

const EPOCH = 1_700_000_000_000;
const PROBE_SSRC = 0x0bad_cafe;

function plan(extra = ''): Plan {
  const yaml = `version: 1
name: engine-simulcast
seed: 4
duration: 4s
media: { video: { simulcast: true } }
participants:
  count: 3
  base_port: 0
  rtcp: { nack: true, rtx: true, pli: true, report_interval: 500ms, history: 1s }
${extra}`;
  const result = validateLoaded(parseScenarioText(yaml, 'engine-simulcast.yaml'));
  if (!result.scenario) throw new Error(JSON.stringify(result.problems));
  return compile(result.scenario, { seed: 4, partitions: 1 });
}

/** Layer `layer` of a 30-frame clip (IDR at 0 and 15); layer 0 has 3 packets a frame, the others fewer. Payload: [FU-A, header, layer, frame, i]. */
function track(layer: number): VideoTrack {
  const frames = Array.from({ length: 30 }, (_, f) => {
    const keyframe = f % 15 === 0;
    const count = 3 - layer;
    const payloads = Array.from({ length: count }, (_, i) => Buffer.from([0x7c, (i === 0 ? 0x80 : 0) | (i === count - 1 ? 0x40 : 0) | (keyframe ? 5 : 1), layer, f, i]));
    return { payloads, keyframe, bytes: payloads.reduce((n, p) => n + p.length, 0) };
  });
  return { frames, fps: 30, timestampStep: 3000, bytesPerLoop: frames.reduce((n, f) => n + f.bytes, 0) };
}

function media(): MediaLibrary {
  const layers = [0, 1, 2].map(track);
  const audio = { frames: Array.from({ length: 50 }, (_, i) => Buffer.from([0xfc, i])), ptimeMs: 20, timestampStep: 960 };
  return { video: layers[0], videoLayers: layers, audio, source: { video: 'synthetic', audio: 'synthetic' } };
}

interface Packet {
  slot: number;
  atMs: number;
  ssrc: number;
  pt: number;
  seq: number;
  ts: number;
  /** One-byte RFC 8285 elements: id -> value (latin1). */
  ext: Map<number, string>;
  payload: Buffer;
}

function parse(bytes: Buffer, slot: number, atMs: number): Packet {
  expect(bytes.readUInt16BE(12)).toBe(0xbede);
  const end = 16 + bytes.readUInt16BE(14) * 4;
  const ext = new Map<number, string>();
  for (let at = 16; at < end; ) {
    if (bytes[at] === 0) {
      at++;
      continue;
    }
    const length = (bytes[at] & 0x0f) + 1;
    ext.set(bytes[at] >> 4, bytes.toString('latin1', at + 1, at + 1 + length));
    at += 1 + length;
  }
  return { slot, atMs, ssrc: bytes.readUInt32BE(8), pt: bytes[1] & 0x7f, seq: bytes.readUInt16BE(2), ts: bytes.readUInt32BE(4), ext, payload: bytes.subarray(end) };
}

async function engine(p: Plan, videoMid?: string) {
  let nowMs = 0;
  const clock: Clock = { nowMs: () => nowMs, epochMs: () => EPOCH + nowMs };
  const rtp: Packet[] = [];
  const rtcp: { slot: number; bytes: Buffer }[] = [];
  const handlers: FeedbackHandler[] = [];
  const e = await PartitionEngine.create({
    plan: p,
    partition: 0,
    media: media(),
    openTransport: async (participant) => {
      const slot = p.participants.indexOf(participant);
      const transport: ParticipantTransport = {
        send: (header, headerLength, payload) => {
          const bytes = Buffer.concat([header.subarray(0, headerLength), payload]);
          if (isRtcpPacket(bytes, bytes.length)) rtcp.push({ slot, bytes });
          else rtp.push(parse(bytes, slot, nowMs));
        },
        onFeedback: (handler) => void (handlers[slot] = handler),
        ...(videoMid !== undefined ? { videoMid } : {}),
        errors: 0,
        queueBusy: 0,
        close: async () => undefined,
      };
      return transport;
    },
  });
  void e.run(clock);
  const runUntil = (untilMs: number, stepMs = 0.5): void => {
    for (; nowMs <= untilMs; nowMs += stepMs) e.tick(nowMs, EPOCH + nowMs);
    nowMs -= stepMs;
  };
  const feedback = (slot: number, extra: (buf: Buffer, at: number) => number): void => {
    const buf = Buffer.alloc(512);
    handlers[slot](buf, extra(buf, writeReceiverReport(buf, 0, PROBE_SSRC, [], 0)));
  };
  return { engine: e, rtp, rtcp, runUntil, feedback };
}

describe('PartitionEngine: simulcast publishers', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('each layer is its own RTP stream: own SSRC and sequence numbers, its RID (RFC 8852) on every packet, its own clip, one media clock', async () => {
    const p = plan();
    const e = await engine(p);
    e.runUntil(1000);
    const ids = p.extensions;
    for (const [slot, participant] of p.participants.entries()) {
      const layers = participant.videoLayers!;
      expect(layers).toHaveLength(3);
      const frameTimestamps: number[][] = [];
      layers.forEach((layer, i) => {
        const packets = e.rtp.filter((x) => x.slot === slot && x.ssrc === layer.ssrc);
        // 30 or 31 frames by 1000 ms (by the participant's start offset), 3 - i packets each
        const frames = new Set(packets.map((x) => x.ts)).size;
        expect(frames).toBeGreaterThanOrEqual(30);
        expect(frames).toBeLessThanOrEqual(31);
        expect(packets.length).toBe(frames * (3 - i));
        for (const [k, x] of packets.entries()) {
          expect(x.ext.get(ids.ridId!)).toBe(layer.rid);
          expect(x.ext.get(ids.participantIdId)!.length).toBe(4);
          expect(x.ext.has(ids.midId!)).toBe(false); // plain UDP: no SDP, no MID
          expect(x.seq).toBe((layer.seqStart + k) & 0xffff);
          expect(x.payload[2]).toBe(i); // the layer's own clip
          expect(x.pt).toBe(96);
        }
        frameTimestamps.push([...new Set(packets.map((x) => x.ts))]);
      });
      // The same frame of the grid carries the same RTP timestamp in every layer.
      expect(frameTimestamps[1]).toEqual(frameTimestamps[0]);
      expect(frameTimestamps[2]).toEqual(frameTimestamps[0]);
      expect(frameTimestamps[0][0]).toBe(participant.videoTsStart);
    }
    expect(new Set(e.rtp.map((x) => x.ssrc)).size).toBe(3 * 3 + 3); // 9 layers + 3 audio
  });

  it('over WebRTC every layer also stamps the MID of its media section', async () => {
    const p = plan();
    const e = await engine(p, '1');
    e.runUntil(100);
    const video = e.rtp.filter((x) => x.pt === 96);
    expect(video.length).toBeGreaterThan(0);
    for (const x of video) expect(x.ext.get(p.extensions.midId!)).toBe('1');
    // audio is a single encoding: no RID, no MID
    const audio = e.rtp.filter((x) => x.pt === 111);
    expect(audio.length).toBeGreaterThan(0);
    for (const x of audio) expect([x.ext.has(p.extensions.ridId!), x.ext.has(p.extensions.midId!)]).toEqual([false, false]);
  });

  it('feedback per layer SSRC: a NACK is answered on that layer\'s RTX with repaired-rtp-stream-id, a PLI restarts only that layer on an IDR, SRs go for each layer', async () => {
    const p = plan();
    const e = await engine(p);
    e.runUntil(300); // frames 0..8 or 9: the clips' next IDR is frame 15
    const participant = p.participants[1];
    const [, m, l] = participant.videoLayers!;
    const mPackets = e.rtp.filter((x) => x.ssrc === m.ssrc);
    const nacked = mPackets[5];
    const before = e.rtp.length;
    e.feedback(1, (buf, at) => writePli(buf, writeNack(buf, at, PROBE_SSRC, m.ssrc, [nacked.seq], 1), PROBE_SSRC, l.ssrc));
    e.runUntil(700);
    const after = e.rtp.slice(before);
    const rtx = after.filter((x) => x.ssrc === m.rtxSsrc);
    expect(rtx).toHaveLength(1);
    expect(rtx[0].pt).toBe(p.media.video!.rtxPayloadType);
    expect(rtx[0].ext.get(p.extensions.repairedRidId!)).toBe('m');
    expect(rtx[0].ext.has(p.extensions.ridId!)).toBe(false);
    expect(rtx[0].payload.readUInt16BE(0)).toBe(nacked.seq);
    expect(rtx[0].payload.subarray(2)).toEqual(nacked.payload);
    // PLI on layer l: its next frame is the clip's IDR (frame 15); layers h and m go on with the next frame.
    const next = (ssrc: number) => after.find((x) => x.ssrc === ssrc)!;
    const nextFrame = mPackets.at(-1)!.payload[3] + 1;
    expect(nextFrame).toBeLessThan(15);
    expect(next(l.ssrc).payload[3]).toBe(15);
    expect(next(l.ssrc).payload[1] & 0x1f).toBe(5);
    expect(next(m.ssrc).payload[3]).toBe(nextFrame);
    expect(next(participant.videoLayers![0].ssrc).payload[3]).toBe(nextFrame);
    expect(next(l.ssrc).ts).toBe(next(m.ssrc).ts); // still one frame grid
    const senders = e.engine.snapshot(true).senders!.filter((s) => s.participantId === participant.id && s.media === 'video');
    expect(senders.map((s) => [s.ssrc, s.rid, s.rtxSsrc])).toEqual(participant.videoLayers!.map((layer) => [layer.ssrc, layer.rid, layer.rtxSsrc]));
    expect(senders.find((s) => s.rid === 'm')!.totals).toMatchObject({ nacksReceived: 1, retransmissionsSent: 1 });
    expect(senders.find((s) => s.rid === 'l')!.totals).toMatchObject({ plisReceived: 1, keyframesSent: 1 });
    expect(senders.find((s) => s.rid === 'h')!.totals).toMatchObject({ nacksReceived: 0, plisReceived: 0 });
    // Sender reports (RFC 3550 6.4.1) name each layer's SSRC.
    const srSsrcs = new Set(e.rtcp.filter((r) => r.slot === 1 && r.bytes[1] === 200).map((r) => r.bytes.readUInt32BE(4)));
    for (const layer of participant.videoLayers!) expect(srSsrcs.has(layer.ssrc)).toBe(true);
  });

  it('a spike on a publisher acts on all of its layers: 100 % loss silences them all, frame_drop thins every layer', async () => {
    const p = plan(`spikes:
  - { type: rtp_packet_loss, at: 1s, duration: 1s, loss_percentage: 100, participants: [1001] }
  - { type: frame_drop, at: 2s, duration: 2s, drop_percentage: 50, participants: [1002] }
`);
    const e = await engine(p);
    e.runUntil(3990);
    const slotOf = (id: number) => p.participants.findIndex((x) => x.id === id);
    const lossy = p.participants[slotOf(1001)];
    for (const layer of lossy.videoLayers!) {
      const during = e.rtp.filter((x) => x.ssrc === layer.ssrc && x.atMs >= 1000 && x.atMs < 2000);
      expect(during).toEqual([]);
      expect(e.rtp.filter((x) => x.ssrc === layer.ssrc && x.atMs >= 2000).length).toBeGreaterThan(0);
    }
    const dropping = p.participants[slotOf(1002)];
    for (const layer of dropping.videoLayers!) {
      const frames = (from: number, to: number) => new Set(e.rtp.filter((x) => x.ssrc === layer.ssrc && x.atMs >= from && x.atMs < to).map((x) => x.ts)).size;
      expect(frames(0, 2000)).toBe(60);
      const kept = frames(2000, 4000);
      expect(kept).toBeGreaterThan(15);
      expect(kept).toBeLessThan(45);
    }
  });
});
