import { describe, expect, it } from 'vitest';
import { estimateMos } from '../../../src/probe/index.js';
import type { StreamReport } from '../../../src/probe/types.js';
import { buildRunResult, compare, type VerdictInput } from '../../../src/verdict/index.js';
import { parseExpression } from '../../../src/scenario/index.js';
import { planOf, probeReport, syntheticStream } from '../../helpers/results.js';

const NOW = new Date('2026-01-01T00:00:00Z');

function run(yaml: string, streams: (plan: VerdictInput['plan']) => StreamReport[], windowCount: number, extra: Partial<VerdictInput> = {}) {
  const { scenario, plan } = planOf(yaml);
  return buildRunResult({ plan, assertions: scenario.assertions, file: 's.yaml', probe: probeReport(streams(plan), windowCount), target: 'udp://127.0.0.1:9', startedAt: NOW, finishedAt: new Date(NOW.getTime() + 2500), packetsSent: 42, restarts: [], ...extra });
}

describe('verdict: stream mapping', () => {
  it('maps streams without the participant-id extension by SSRC; unknown streams are reported, never samples', () => {
    const r = run(`duration: 5s\nparticipants: { count: 2 }\nassertions:\n  packet_loss_percent: ["max < 1"]\n`, (plan) => [
      { ...syntheticStream(0, 'video', plan.participants[0].videoSsrc!, 5), participantId: null },
      { ...syntheticStream(0, 'audio', plan.participants[1].audioSsrc!, 5), participantId: null },
      // A stranger losing everything: if it were a sample the max would be 100.
      { ...syntheticStream(0, 'audio', 0xdeadbeef, 5, () => 1), participantId: null },
    ], 5);
    expect(r.streams.map((s) => s.participantId)).toEqual([1001, 1002, null]);
    expect(r.assertions[0]).toMatchObject({ measured: 0, samples: 2, passed: true });
    expect(r.totals).toMatchObject({ packetsSent: 42, packetsLost: 250 });
  });

  it('a participant-id that is not in the plan does not make a stream a sample', () => {
    const r = run(`duration: 5s\nparticipants: { count: 1 }\nassertions:\n  packet_loss_percent: ["max < 1"]\n`, (plan) => [
      syntheticStream(plan.participants[0].id, 'video', plan.participants[0].videoSsrc!, 5),
      syntheticStream(99_999, 'video', 1234, 5, () => 0.5),
    ], 5);
    expect(r.assertions[0]).toMatchObject({ measured: 0, samples: 1 });
    expect(r.streams[1].participantId).toBe(99_999);
  });
});

describe('verdict: per-stream metrics', () => {
  it('rates use the true length of a partial last window', () => {
    // 2.5 s run, 3 windows; each window holds 300 packets x 1000 bytes and 30 frames.
    const r = run(`duration: 2.5\nparticipants: { count: 1 }\nassertions:\n  bitrate_kbps: ["avg > 0"]\n  frame_rate_fps: ["avg > 0"]\n`, (plan) => [syntheticStream(plan.participants[0].id, 'video', plan.participants[0].videoSsrc!, 3)], 3);
    expect(r.measuredDurationMs).toBe(2500);
    expect(r.assertions[0].measured).toBeCloseTo((3 * 300 * 1000 * 8) / 2.5 / 1000, 6);
    expect(r.assertions[1].measured).toBeCloseTo(90 / 2.5, 6);
    expect(r.timeline[2].packetsPerSecond).toBeCloseTo(300 / 0.5, 6);
    expect(r.timeline[0].bitrateKbps).toBeCloseTo(2400, 6);
  });

  it('bitrate samples are video streams, or audio streams when the run has no video; fps never takes audio', () => {
    const yaml = `duration: 4s\nparticipants: { count: 2 }\nassertions:\n  bitrate_kbps: ["avg > 0"]\n  frame_rate_fps: ["avg > 0"]\n`;
    const mixed = run(yaml, (plan) => plan.participants.flatMap((p) => [syntheticStream(p.id, 'video', p.videoSsrc!, 4), syntheticStream(p.id, 'audio', p.audioSsrc!, 4)]), 4);
    expect(mixed.assertions.map((a) => a.samples)).toEqual([2, 2]);
    expect(mixed.assertions[0].measured).toBeCloseTo(2400, 6);
    const audioOnly = run(yaml, (plan) => plan.participants.map((p) => syntheticStream(p.id, 'audio', p.audioSsrc!, 4)), 4);
    expect(audioOnly.assertions[0]).toMatchObject({ samples: 2, passed: true });
    expect(audioOnly.assertions[0].measured).toBeCloseTo(400, 6);
    expect(audioOnly.assertions[1]).toMatchObject({ samples: 0, passed: false, measured: null });
    expect(audioOnly.assertions[1].message).toMatch(/^no samples in scope whole/);
  });

  it('delay is the received-weighted mean of window means, and MOS is the E-model of the measured figures', () => {
    const r = run(`duration: 2s\nparticipants: { count: 1 }\nassertions:\n  delay_ms: ["avg < 100"]\n  mos: ["avg >= 1"]\n  jitter_ms: ["avg < 100"]\n`, (plan) => {
      const s = syntheticStream(plan.participants[0].id, 'video', plan.participants[0].videoSsrc!, 2, (i) => (i === 1 ? 0.5 : 0), (i) => (i === 0 ? 2 : 6));
      s.windows[0].delayMsAvg = 10; // 300 packets
      s.windows[1].delayMsAvg = 40; // 150 packets
      return [s];
    }, 2);
    const measured = (metric: string) => r.assertions.find((a) => a.metric === metric)!.measured;
    const delay = (10 * 300 + 40 * 150) / 450;
    expect(measured('delay_ms')).toBeCloseTo(delay, 3);
    expect(measured('jitter_ms')).toBe(4);
    const loss = (100 * 150) / 600;
    expect(measured('mos')).toBeCloseTo(estimateMos({ oneWayDelayMs: delay, jitterMs: 4, lossPercent: loss }), 3);
    expect(r.streams[0].whole.packet_loss_percent).toBe(25);
  });

  it('during_spikes of a participant no spike targets has no windows, so it gives no samples', () => {
    const r = run(`duration: 10s\nparticipants: { count: 2 }\nspikes:\n  - { type: rtp_packet_loss, at: 2s, duration: 3s, loss_percentage: 10, participants: [1001] }\nassertions:\n  during_spikes: { packet_loss_percent: ["avg < 50"] }\n`, (plan) => plan.participants.map((p) => syntheticStream(p.id, 'video', p.videoSsrc!, 10)), 10);
    expect(r.assertions[0]).toMatchObject({ samples: 1, name: 'during_spikes packet_loss_percent avg < 50' });
    expect(r.streams[1].duringSpikes.packet_loss_percent).toBeNull();
    expect(r.streams[1].recoverySeconds).toEqual([]);
  });
});

describe('verdict: recovery and status', () => {
  it('recovery counts from the spike end to the first window starting at or after it', () => {
    // Spike 2 s .. 4.5 s: window 4 (4..5 s) still holds the spike's end, window 5 is clean.
    const r = run(`duration: 10s\nparticipants: { count: 1 }\nspikes:\n  - { type: rtp_packet_loss, at: 2s, duration: 2.5, loss_percentage: 10 }\nassertions:\n  recovery_seconds: ["max < 1"]\n`, (plan) => [syntheticStream(plan.participants[0].id, 'video', plan.participants[0].videoSsrc!, 10, (i) => (i >= 2 && i <= 4 ? 0.1 : 0))], 10);
    expect(r.spikes[0]).toMatchObject({ startMs: 2000, endMs: 4500 });
    expect(r.streams[0].recoverySeconds).toEqual([0.5]);
    expect(r.assertions[0]).toMatchObject({ measured: 0.5, passed: true, samples: 1 });
    expect(r.assertions[0].message).toBe('measured 0.5 (limit < 1) over 1 spike/stream pairs');
  });

  it('an error override wins over passing assertions and keeps its message', () => {
    const r = run(`duration: 3s\nparticipants: { count: 1 }\nassertions:\n  packet_loss_percent: ["max < 1"]\n`, (plan) => [syntheticStream(plan.participants[0].id, 'video', plan.participants[0].videoSsrc!, 3)], 3, { status: 'error', errorMessage: 'partition 0 died' });
    expect(r.assertions[0].passed).toBe(true);
    expect(r).toMatchObject({ status: 'error', errorMessage: 'partition 0 died', file: 's.yaml', target: 'udp://127.0.0.1:9', startedAt: NOW.toISOString() });
  });
});

describe('assertion expressions', () => {
  it('parses STAT OP NUMBER and rejects anything else with the expression quoted', () => {
    expect(parseExpression(' p95 <= 2.5 ')).toEqual({ stat: 'p95', op: '<=', threshold: 2.5, relative: null });
    expect(parseExpression('avg>-1')).toEqual({ stat: 'avg', op: '>', threshold: -1, relative: null });
    expect(parseExpression('p42 < 1')).toMatchObject({ error: expect.stringContaining('"p42 < 1"') });
    expect(parseExpression('avg ~ 1')).toHaveProperty('error');
  });

  it('compares with each operator; == tolerates float rounding only', () => {
    expect([compare(1, '<', 2), compare(2, '<', 2), compare(2, '<=', 2), compare(3, '>', 2), compare(2, '>', 2), compare(2, '>=', 2)]).toEqual([true, false, true, true, false, true]);
    expect(compare(0.1 + 0.2, '==', 0.3)).toBe(true);
    expect(compare(0.31, '==', 0.3)).toBe(false);
  });
});

describe('verdict: simulcast layers', () => {
  it('maps every layer SSRC to its participant, keeps the RID, and takes sender figures by SSRC (each layer its own)', async () => {
    const { senderOf } = await import('../../helpers/results.js');
    const yaml = `duration: 3s\nmedia: { video: { simulcast: true } }\nparticipants: { count: 1 }\nassertions:\n  bitrate_kbps: ["avg > 0"]\n`;
    const { scenario, plan } = planOf(yaml);
    const layers = plan.participants[0].videoLayers!;
    // Through a stripping middlebox: no participant-id extension, only the SSRCs say whose streams these are.
    const streams = layers.map((l) => ({ ...syntheticStream(0, 'video', l.ssrc, 3), participantId: null, rid: l.rid }));
    const senders = streams.map((s, i) => {
      const sender = senderOf({ ...s, participantId: plan.participants[0].id }, () => 10 * (i + 1));
      return { ...sender, rid: layers[i].rid };
    });
    const r = buildRunResult({ plan, assertions: scenario.assertions, file: 's.yaml', probe: probeReport(streams, 3), senders, target: 'x', startedAt: NOW, finishedAt: NOW, packetsSent: 1, restarts: [] });
    expect(r.streams.map((s) => [s.participantId, s.rid, s.sender!.rttMs])).toEqual([
      [plan.participants[0].id, 'h', 10],
      [plan.participants[0].id, 'm', 20],
      [plan.participants[0].id, 'l', 30],
    ]);
    expect(r.assertions[0].samples).toBe(3);
  });
});
