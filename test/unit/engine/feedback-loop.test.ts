/**
 * The engine's side of the feedback loop end to end, in fake time: a compiled plan, a synthetic
 * clip, fake transports that record what leaves and deliver RTCP back. Checks what a receiver (an
 * SFU, the probe) sees: SRs whose RTP timestamps match the packets' media clock, NACKs answered as
 * RTX (video) or the same packet (audio), PLI answered with the clip's next IDR on the frame grid,
 * and network chaos applied to RTCP and retransmissions too.
 */
import { RtpPacket, unwrapRtx } from 'werift';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PartitionEngine } from '../../../src/engine/partition-engine.js';
import type { Clock } from '../../../src/engine/clock.js';
import type { FeedbackHandler, ParticipantTransport } from '../../../src/engine/transport.js';
import type { MediaLibrary } from '../../../src/media/index.js';
import { compile } from '../../../src/plan/index.js';
import type { Plan } from '../../../src/plan/types.js';
import { isRtcpPacket, RtcpReader, writeNack, writePli, writeReceiverReport, writeSdesCname } from '../../../src/rtcp/index.js';
import { parseScenarioText, validateLoaded } from '../../../src/scenario/index.js';

const EPOCH = 1_700_000_000_000;
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const PROBE_SSRC = 0x0bad_cafe;

function plan(extra = ''): Plan {
  const yaml = `version: 1
name: engine-feedback
seed: 3
duration: 6s
participants:
  count: 4
  base_port: 0
  rtcp: { nack: true, rtx: true, pli: true, report_interval: 500ms, history: 1s }
${extra}`;
  const result = validateLoaded(parseScenarioText(yaml, 'engine-feedback.yaml'));
  if (!result.scenario) throw new Error(JSON.stringify(result.problems));
  return compile(result.scenario, { seed: 3, partitions: 1 });
}

/** A 30-frame clip (IDR at frames 0 and 15), 3 FU-A payloads per frame; 20 ms audio. */
function media(): MediaLibrary {
  const frames = Array.from({ length: 30 }, (_, f) => {
    const keyframe = f % 15 === 0;
    const payloads = [0, 1, 2].map((i) => Buffer.from([0x7c, (i === 0 ? 0x80 : 0) | (i === 2 ? 0x40 : 0) | (keyframe ? 5 : 1), f, i, 0xaa, 0xbb]));
    return { payloads, keyframe, bytes: payloads.reduce((n, p) => n + p.length, 0) };
  });
  return {
    video: { frames, fps: 30, timestampStep: 3000, bytesPerLoop: frames.reduce((n, f) => n + f.bytes, 0) },
    audio: { frames: Array.from({ length: 50 }, (_, i) => Buffer.from([0xfc, i])), ptimeMs: 20, timestampStep: 960 },
    source: { video: 'synthetic', audio: 'synthetic' },
  };
}

interface Sent {
  slot: number;
  atMs: number;
  bytes: Buffer;
}

async function engine(p: Plan) {
  let nowMs = 0;
  const clock: Clock = { nowMs: () => nowMs, epochMs: () => EPOCH + nowMs };
  const sent: Sent[] = [];
  const feedbackHandlers: FeedbackHandler[] = [];
  const e = await PartitionEngine.create({
    plan: p,
    partition: 0,
    media: media(),
    openTransport: async (participant) => {
      const slot = p.participants.indexOf(participant);
      const transport: ParticipantTransport = {
        send: (header, headerLength, payload) => void sent.push({ slot, atMs: nowMs, bytes: Buffer.concat([header.subarray(0, headerLength), payload]) }),
        onFeedback: (handler) => void (feedbackHandlers[slot] = handler),
        errors: 0,
        queueBusy: 0,
        close: async () => undefined,
      };
      return transport;
    },
  });
  void e.run(clock);
  /** Ticks every `stepMs` up to `untilMs` (the engine's own timer is faked away). */
  const runUntil = (untilMs: number, stepMs = 0.5): void => {
    for (; nowMs <= untilMs; nowMs += stepMs) e.tick(nowMs, EPOCH + nowMs);
    nowMs -= stepMs;
  };
  /** RTCP from "the SFU" to participant `slot`: RR + SDES + whatever `extra` writes. */
  const feedback = (slot: number, extra: (buf: Buffer, at: number) => number): void => {
    const buf = Buffer.alloc(512);
    let at = writeReceiverReport(buf, 0, PROBE_SSRC, [], 0);
    at = writeSdesCname(buf, at, PROBE_SSRC, Buffer.from('sfu'));
    feedbackHandlers[slot](buf, extra(buf, at));
  };
  return { engine: e, plan: p, sent, runUntil, feedback, now: () => nowMs };
}

const rtpOf = (s: Sent) => RtpPacket.deSerialize(s.bytes);
const isRtp = (s: Sent): boolean => !isRtcpPacket(s.bytes, s.bytes.length);

describe('PartitionEngine: the sender side of the feedback loop', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('RFC 3550 6.4.1: every SR\'s RTP timestamp is the stream\'s media clock at the SR\'s NTP instant (video and audio, every start offset)', async () => {
    const e = await engine(plan());
    e.runUntil(4000);
    const offsets = e.plan.participants.map((p) => p.startOffsetMs);
    expect(Math.max(...offsets)).toBeGreaterThan(20); // some audio streams start a whole period into the grid
    const lastPacket = new Map<number, { ts: number; atMs: number; clockRate: number }>();
    let checked = 0;
    for (const s of e.sent) {
      if (isRtp(s)) {
        const rtp = rtpOf(s);
        if (rtp.header.payloadType === 97) continue;
        lastPacket.set(rtp.header.ssrc, { ts: rtp.header.timestamp, atMs: s.atMs, clockRate: rtp.header.payloadType === 96 ? 90_000 : 48_000 });
        continue;
      }
      new RtcpReader().read(s.bytes, s.bytes.length, {
        senderReport: (ssrc, seconds, fraction, rtpTimestamp) => {
          const last = lastPacket.get(ssrc);
          if (!last) return;
          const srRunMs = (seconds - NTP_UNIX_OFFSET_S) * 1000 + (fraction / 2 ** 32) * 1000 - EPOCH;
          // The last packet left up to one tick (0.5 ms) after it was due; its timestamp is of its due time.
          const expected = last.ts + ((srRunMs - last.atMs) * last.clockRate) / 1000;
          const ticksOff = ((rtpTimestamp - expected + 2 ** 31) % 2 ** 32) - 2 ** 31;
          expect(Math.abs(ticksOff), `SSRC ${ssrc} at ${srRunMs.toFixed(1)} ms`).toBeLessThanOrEqual((0.5 * last.clockRate) / 1000 + 1);
          checked++;
        },
      });
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('answers a NACK for video with RTX (RFC 4588, werift unwraps it to the original) and for audio with the same packet', async () => {
    const e = await engine(plan());
    e.runUntil(1000);
    const participant = e.plan.participants[1];
    const originals = e.sent.filter((s) => s.slot === 1 && isRtp(s)).map(rtpOf);
    const video = originals.filter((r) => r.header.ssrc === participant.videoSsrc);
    const audio = originals.filter((r) => r.header.ssrc === participant.audioSsrc);
    const [v, a] = [video[40], audio[20]];
    const before = e.sent.length;
    e.feedback(1, (buf, at) => writeNack(buf, writeNack(buf, at, PROBE_SSRC, participant.videoSsrc!, [v.header.sequenceNumber], 1), PROBE_SSRC, participant.audioSsrc!, [a.header.sequenceNumber], 1));
    e.runUntil(1010);
    const answers = e.sent
      .slice(before)
      .filter((s) => s.slot === 1 && isRtp(s))
      .map(rtpOf)
      .filter((r) => r.header.ssrc === participant.videoRtxSsrc || (r.header.ssrc === participant.audioSsrc && r.header.sequenceNumber === a.header.sequenceNumber));
    expect(answers).toHaveLength(2);
    const rtx = answers.find((r) => r.header.ssrc === participant.videoRtxSsrc)!;
    expect(rtx.header.payloadType).toBe(e.plan.media.video!.rtxPayloadType);
    expect(rtx.header.sequenceNumber).toBe(participant.videoRtxSeqStart);
    const unwrapped = unwrapRtx(rtx, 96, participant.videoSsrc!);
    expect([unwrapped.header.sequenceNumber, unwrapped.header.timestamp, unwrapped.header.marker]).toEqual([v.header.sequenceNumber, v.header.timestamp, v.header.marker]);
    expect(unwrapped.payload).toEqual(v.payload);
    const resent = answers.find((r) => r.header.ssrc === participant.audioSsrc)!;
    expect([resent.header.sequenceNumber, resent.header.timestamp, resent.header.payloadType]).toEqual([a.header.sequenceNumber, a.header.timestamp, a.header.payloadType]);
    expect(resent.payload).toEqual(a.payload);
    const stats = e.engine.snapshot(true);
    expect(stats.retransmissionsSent).toBe(2);
    const videoReport = stats.senders!.find((s) => s.ssrc === participant.videoSsrc)!;
    expect(videoReport).toMatchObject({ rtxSsrc: participant.videoRtxSsrc });
    expect(videoReport.totals).toMatchObject({ nacksReceived: 1, packetsNacked: 1, retransmissionsSent: 1 });
  });

  it('RFC 4585 6.3.1: a PLI makes the next frame the clip\'s next IDR; timestamps stay on the frame grid and sequence numbers continue', async () => {
    const e = await engine(plan());
    e.runUntil(300); // frames 0..8: the clip's next IDR after frame 9 is frame 15
    const participant = e.plan.participants[2];
    const before = e.sent.length;
    e.feedback(2, (buf, at) => writePli(buf, at, PROBE_SSRC, participant.videoSsrc!));
    e.runUntil(700);
    const video = e.sent.slice(before).filter((s) => s.slot === 2 && isRtp(s)).map(rtpOf).filter((r) => r.header.ssrc === participant.videoSsrc);
    const clipFrameOf = (r: RtpPacket): number => r.payload[2];
    const nalType = (r: RtpPacket): number => r.payload[1] & 0x1f;
    expect(nalType(video[0])).toBe(5);
    expect(clipFrameOf(video[0])).toBe(15);
    expect(clipFrameOf(video[3])).toBe(16); // and the clip goes on from there
    const earlier = e.sent.slice(0, before).filter((s) => s.slot === 2 && isRtp(s)).map(rtpOf).filter((r) => r.header.ssrc === participant.videoSsrc);
    const last = earlier.at(-1)!;
    expect(video[0].header.sequenceNumber).toBe((last.header.sequenceNumber + 1) & 0xffff);
    expect(video[0].header.timestamp - last.header.timestamp).toBe(3000);
    const report = e.engine.snapshot(true).senders!.find((s) => s.ssrc === participant.videoSsrc)!;
    expect(report.totals).toMatchObject({ plisReceived: 1, keyframesSent: 1 });
    expect(report.totals.keyframeResponseMsSum).toBeLessThanOrEqual(1000 / 30 + 1);
  });

  it('network chaos applies to RTCP and retransmissions too: a 100 % loss spike drops SRs and answers to NACKs', async () => {
    const e = await engine(plan(`spikes:\n  - { type: rtp_packet_loss, at: 1s, duration: 2s, loss_percentage: 100, participants: [1001] }\n`));
    e.runUntil(1500);
    const participant = e.plan.participants.find((p) => p.id === 1001)!;
    const slot = e.plan.participants.indexOf(participant);
    const during = e.sent.filter((s) => s.slot === slot && s.atMs >= 1000 && s.atMs < 1500);
    expect(during).toEqual([]); // media, SRs: nothing left
    // Frame 40 (1.33 s): sent into the spike, still in the 1 s history.
    e.feedback(slot, (buf, at) => writeNack(buf, at, PROBE_SSRC, participant.videoSsrc!, [(participant.videoSeqStart + 3 * 40) & 0xffff], 1));
    e.runUntil(1600);
    expect(e.sent.filter((s) => s.slot === slot && s.atMs >= 1000 && s.atMs < 3000)).toEqual([]);
    const stats = e.engine.snapshot(true);
    expect(stats.senders!.find((s) => s.ssrc === participant.videoSsrc)!.totals.retransmissionsSent).toBe(1); // sent into the spike
    // The other participants' SRs went on.
    const others = e.sent.filter((s) => s.slot !== slot && !isRtp(s) && s.atMs >= 1000);
    expect(others.length).toBeGreaterThan(0);
    e.runUntil(3600);
    expect(e.sent.filter((s) => s.slot === slot && !isRtp(s) && s.atMs >= 3000).length).toBeGreaterThan(0);
  });
});
