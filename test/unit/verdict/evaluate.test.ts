import { describe, expect, it } from 'vitest';
import { buildRunResult, percentile, statOf } from '../../../src/verdict/index.js';
import { estimateMos } from '../../../src/probe/index.js';
import { planOf, probeReport, syntheticStream, withViewer } from '../../helpers/results.js';

const NOW = new Date('2026-01-01T00:00:00Z');

function verdict(yaml: string, lossAt: (participant: number, window: number) => number, windowCount = 20, status?: 'aborted' | 'error') {
  const { scenario, plan } = planOf(yaml);
  const streams = plan.participants.flatMap((p) => [
    syntheticStream(p.id, 'video', p.videoSsrc!, windowCount, (i) => lossAt(p.id, i)),
    syntheticStream(p.id, 'audio', p.audioSsrc!, windowCount, (i) => lossAt(p.id, i)),
  ]);
  return buildRunResult({ plan, assertions: scenario.assertions, file: null, probe: probeReport(streams, windowCount), target: 'udp://127.0.0.1:1', startedAt: NOW, finishedAt: NOW, packetsSent: null, restarts: [], status });
}

const LOSS_SPIKE = `duration: 20s
participants: { count: 4 }
spikes:
  - { type: rtp_packet_loss, at: 5s, duration: 10s, loss_percentage: 10, participants: [1001, 1002] }
`;

describe('verdict', () => {
  it('a clean run passes with ~0 loss and MOS >= 4', () => {
    const r = verdict(`duration: 20s\nparticipants: { count: 3 }\nassertions:\n  packet_loss_percent: ["max < 0.1"]\n  mos: ["min >= 4"]\n  frame_rate_fps: ["avg >= 29"]\n`, () => 0);
    expect(r.status).toBe('passed');
    expect(r.assertions.map((a) => [a.name, a.measured, a.samples])).toEqual([
      ['packet_loss_percent max < 0.1', 0, 6],
      ['mos min >= 4', expect.any(Number), 6],
      ['frame_rate_fps avg >= 29', 30, 3],
    ]);
  });

  it('scopes: loss inside the spike windows of targeted participants, baseline untouched', () => {
    const r = verdict(`${LOSS_SPIKE}assertions:\n  during_spikes:\n    packet_loss_percent: ["avg < 5"]\n  baseline:\n    packet_loss_percent: ["max < 0.5"]\n`, (p, i) => (p <= 1002 && i >= 5 && i < 15 ? 0.1 : 0));
    const [during, baseline] = r.assertions;
    expect(during.measured).toBeCloseTo(10, 1);
    expect(during.samples).toBe(4); // only the 2 targeted participants' 2 streams have spike windows
    expect(during.passed).toBe(false);
    expect(baseline.measured).toBe(0);
    expect(baseline.passed).toBe(true);
    expect(r.status).toBe('failed');
    expect(r.timeline[7].packetLossPercent).toBeCloseTo(5, 1);
    expect(r.timeline[7].activeSpikes).toBe(1);
  });

  it('timeline MOS is what a listener hears: with the viewer model, from the loss left at playout, not the wire loss', () => {
    const { scenario, plan } = planOf(`duration: 10s\nparticipants: { count: 2 }\n`);
    // 10 % wire loss in windows 3..5; video recovers 90 % of it by NACK, audio none.
    const lossAt = (i: number): number => (i >= 3 && i < 6 ? 0.1 : 0);
    const streams = plan.participants.flatMap((p) => [withViewer(syntheticStream(p.id, 'video', p.videoSsrc!, 10, lossAt)), withViewer(syntheticStream(p.id, 'audio', p.audioSsrc!, 10, lossAt))]);
    const r = buildRunResult({ plan, assertions: scenario.assertions, file: null, probe: probeReport(streams, 10), target: 'x', startedAt: NOW, finishedAt: NOW, packetsSent: null, restarts: [] });
    const point = r.timeline[4];
    expect(point.packetLossPercent).toBeCloseTo(10, 6);
    // Video: 30 of 300 lost, 3 missing at playout; audio: 5 of 50 lost, all 5 missing: 16 of 700.
    expect(point.residualLossPercent).toBeCloseTo((100 * 16) / 700, 3);
    expect(point.mos).toBeCloseTo(estimateMos({ oneWayDelayMs: 1, jitterMs: 1, lossPercent: (100 * 16) / 700 }), 2);
    expect(point.mos!).toBeGreaterThan(estimateMos({ oneWayDelayMs: 1, jitterMs: 1, lossPercent: 10 }));
    // Open loop (no viewer model): the wire loss, as before.
    const open = verdict(`duration: 10s\nparticipants: { count: 2 }\n`, (_, i) => lossAt(i), 10);
    expect(open.timeline[4].mos).toBeCloseTo(estimateMos({ oneWayDelayMs: 1, jitterMs: 1, lossPercent: 10 }), 2);
  });

  it('recovery_seconds: time from the spike end until a window is back within baseline', () => {
    const r = verdict(`${LOSS_SPIKE}assertions:\n  recovery_seconds: ["max <= 2"]\n`, (p, i) => (p <= 1002 && i >= 5 && i < 17 ? 0.2 : 0));
    expect(r.assertions[0].measured).toBe(2);
    expect(r.assertions[0].passed).toBe(true);
    const never = verdict(`${LOSS_SPIKE}assertions:\n  recovery_seconds: ["max <= 2"]\n`, (p, i) => (p <= 1002 && i >= 5 ? 0.2 : 0));
    expect(never.assertions[0].passed).toBe(false);
    expect(never.assertions[0].message).toMatch(/never recovered/);
  });

  it('an assertion with no samples fails rather than passing on nothing', () => {
    const { scenario, plan } = planOf(`duration: 10s\nparticipants: { count: 2 }\nassertions:\n  packet_loss_percent: ["max < 1"]\n`);
    const r = buildRunResult({ plan, assertions: scenario.assertions, file: null, probe: probeReport([], 10), target: 'x', startedAt: NOW, finishedAt: NOW, packetsSent: 0, restarts: [] });
    expect(r.assertions[0]).toMatchObject({ passed: false, measured: null, samples: 0 });
    expect(r.status).toBe('failed');
  });

  it('an aborted or errored run is never passed', () => {
    expect(verdict(`duration: 20s\nparticipants: { count: 1 }\nassertions:\n  packet_loss_percent: ["max < 1"]\n`, () => 0, 20, 'aborted').status).toBe('aborted');
  });

  it('stats: linear-interpolation percentiles, avg/min/max', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(statOf('p95', [0, 10])).toBeCloseTo(9.5, 10);
    expect(statOf('avg', [1, 2, 6])).toBe(3);
    expect(statOf('min', [3, 1])).toBe(1);
    expect(statOf('max', [])).toBeNull();
  });
});
