import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/scenario/defaults.js';
import { engineWindowCauses, probeWindowCauses, type EngineHealthWindow, type HealthThresholds, type ProbeHealthWindow } from '../../../src/health/index.js';
import { buildRunResult, GeneratorHealth, windowList, type GeneratorHealthInput } from '../../../src/verdict/index.js';
import { renderJunit } from '../../../reporters/junit.js';
import { renderSummary } from '../../../reporters/console.js';
import { renderHtml } from '../../../reporters/html/render-html.js';
import { renderAnnotations } from '../../../reporters/github/annotations.js';
import { renderJobSummary } from '../../../reporters/github/job-summary.js';
import { compile } from '../../../src/plan/index.js';
import { scenarioFromText } from '../../../src/scenario/index.js';
import { planOf, probeReport, syntheticStream } from '../../helpers/results.js';

const NOW = new Date('2026-01-01T00:00:00Z');

const LIMITS: HealthThresholds = { markInconclusive: true, pacingLatenessMs: 25, eventLoopDelayMs: 50, cpuPercent: 95, receiveLagMs: 50, sendDrops: 0, kernelDrops: 0 };

function engineWindow(index: number, over: Partial<EngineHealthWindow> = {}): EngineHealthWindow {
  return { index, latenessP99Ms: 2, latenessMaxMs: 4, eventLoopDelayP99Ms: 1, eventLoopDelayMaxMs: 2, cpuPercent: 20, sendErrors: 0, wouldBlock: 0, sendDropped: 0, ...over };
}

function probeWindow(index: number, over: Partial<ProbeHealthWindow> = {}): ProbeHealthWindow {
  return { index, receiveLagP99Ms: 1, receiveLagMaxMs: 3, eventLoopDelayP99Ms: 1, eventLoopDelayMaxMs: 2, cpuPercent: 10, kernelDrops: 0, rcvbufErrors: 0, ...over };
}

/** Two partitions and the probe, healthy in every window except where `bad` says. */
function healthOf(windowCount: number, bad: { partition?: number; probe?: boolean; windows: number[]; window: Partial<EngineHealthWindow> & Partial<ProbeHealthWindow> }[] = [], thresholds = LIMITS): GeneratorHealthInput {
  const badFor = (partition: number | null, index: number) => bad.find((b) => (partition === null ? b.probe : b.partition === partition) && b.windows.includes(index))?.window ?? {};
  return {
    thresholds,
    engines: [0, 1].map((partition) => ({ partition, windows: Array.from({ length: windowCount }, (_, i) => engineWindow(i, badFor(partition, i))) })),
    probe: Array.from({ length: windowCount }, (_, i) => probeWindow(i, badFor(null, i))),
  };
}

const SCENARIO = `duration: 20s
participants: { count: 4 }
spikes:
  - { type: rtp_packet_loss, at: 5s, duration: 5s, loss_percentage: 10 }
assertions:
  packet_loss_percent: ["max < 1"]
  baseline:
    packet_loss_percent: ["max < 1"]
  during_spikes:
    packet_loss_percent: ["max < 50"]
`;

function verdict(health: GeneratorHealthInput | null, lossAt: (participant: number, window: number) => number = () => 0, yaml = SCENARIO) {
  // Two partitions: participants 1001 and 1003 in partition 1, 1002 and 1004 in partition 0 (id % 2).
  const scenario = scenarioFromText(`version: 1\nname: t\n${yaml}`, 'inline');
  const plan = compile(scenario, { partitions: 2, cores: 2 });
  const streams = plan.participants.flatMap((p) => [syntheticStream(p.id, 'video', p.videoSsrc!, 20, (i) => lossAt(p.id, i)), syntheticStream(p.id, 'audio', p.audioSsrc!, 20, (i) => lossAt(p.id, i))]);
  return { plan, result: buildRunResult({ plan, assertions: scenario.assertions, file: 'x.yaml', probe: probeReport(streams, 20), target: 'udp://127.0.0.1:1', startedAt: NOW, finishedAt: NOW, packetsSent: null, restarts: [], health }) };
}

describe('generator health: judging a window', () => {
  it('each figure over its limit is a cause; at the limit is healthy', () => {
    expect(engineWindowCauses(engineWindow(0, { latenessP99Ms: 25, eventLoopDelayP99Ms: 50, cpuPercent: 95 }), LIMITS)).toEqual([]);
    expect(engineWindowCauses(engineWindow(0, { latenessP99Ms: 25.1, cpuPercent: 99, sendDropped: 3 }), LIMITS).map((c) => c.figure)).toEqual(['pacing_lateness', 'cpu', 'send_drops']);
    expect(probeWindowCauses(probeWindow(0, { receiveLagP99Ms: 80, eventLoopDelayP99Ms: 51, kernelDrops: 1 }), LIMITS).map((c) => [c.figure, c.value, c.limit])).toEqual([
      ['receive_lag', 80, 50],
      ['event_loop_delay', 51, 50],
      ['kernel_drops', 1, 0],
    ]);
  });

  it('figures nobody measured (dgram: no receive lag, no kernel drops; no frame due) are never a cause; RcvbufErrors are never judged', () => {
    expect(engineWindowCauses(engineWindow(0, { latenessP99Ms: null, latenessMaxMs: null }), LIMITS)).toEqual([]);
    expect(probeWindowCauses(probeWindow(0, { receiveLagP99Ms: null, kernelDrops: null, rcvbufErrors: 1_000_000 }), LIMITS)).toEqual([]);
  });

  it('the defaults are the documented ones', () => {
    expect(DEFAULTS.health).toEqual({ inconclusive: true, pacing_lateness: '25ms', event_loop_delay: '50ms', cpu_percent: 95, receive_lag: '50ms', send_drops: 0, kernel_drops: 0 });
    expect(planOf(`duration: 5s\nparticipants: { count: 1 }\nhealth: { pacing_lateness: 40ms, cpu_percent: 150, inconclusive: false }\n`).scenario.health).toEqual({ ...LIMITS, pacingLatenessMs: 40, cpuPercent: 150, markInconclusive: false });
  });

  it('window lists read as ranges', () => {
    expect(windowList([4])).toBe('window 4');
    expect(windowList([3, 4, 5, 8])).toBe('windows 3-5, 8');
  });
});

describe('generator health: dependencies of an assertion', () => {
  const generator = new GeneratorHealth(healthOf(10, [{ partition: 1, windows: [3, 4], window: { latenessP99Ms: 40 } }, { probe: true, windows: [8], window: { receiveLagP99Ms: 90 } }]), 10);

  it("a partition's bad windows count only for its own streams; the probe's for every stream", () => {
    expect(generator.unhealthyIn([{ partition: 0, windows: [0, 1, 2, 3, 4, 5] }])).toBeNull();
    expect(generator.unhealthyIn([{ partition: 1, windows: [0, 1, 2, 3, 4, 5] }])).toEqual({ windows: [3, 4], windowsInScope: 6, partitions: [1], probe: false, figures: ['pacing_lateness'] });
    expect(generator.unhealthyIn([{ partition: 0, windows: [7, 8, 9] }])).toMatchObject({ windows: [8], partitions: [], probe: true, figures: ['receive_lag'] });
    expect(generator.unhealthyIn([{ partition: null, windows: [8] }])?.probe).toBe(true);
  });

  it('the reason in words names the part, its windows and the worst value against its limit', () => {
    const reason = generator.unhealthyIn([{ partition: 1, windows: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }])!;
    expect(generator.describe(reason)).toBe('partition 1 in windows 3-4 (pacing lateness p99 40 ms > 25 ms); the probe in window 8 (receive lag p99 90 ms > 50 ms)');
  });

  it('windows after the run (a delay line draining) are reported but never judged', () => {
    const late = new GeneratorHealth(healthOf(12, [{ partition: 0, windows: [10, 11], window: { cpuPercent: 100 } }]), 10);
    expect(late.unhealthyIn([{ partition: 0, windows: [9, 10, 11] }])).toBeNull();
    expect(late.result()).toMatchObject({ windows: 10, unhealthyWindows: 0, unhealthy: [] });
    expect(late.result().engines[0].windows[11].causes).toHaveLength(1);
  });

  it('health.inconclusive: false measures and reports, but never makes an assertion inconclusive', () => {
    const judged = new GeneratorHealth(healthOf(10, [{ partition: 1, windows: [3], window: { latenessP99Ms: 40 } }], { ...LIMITS, markInconclusive: false }), 10);
    expect(judged.unhealthyIn([{ partition: 1, windows: [3] }])).toBeNull();
    expect(judged.result().unhealthyWindows).toBe(1);
  });
});

describe('generator health in the verdict', () => {
  it('a healthy run is judged as without health, and the report carries every figure', () => {
    const { result } = verdict(healthOf(20));
    expect(result.status).toBe('passed');
    expect(result.assertions.every((a) => a.passed && a.inconclusive === undefined)).toBe(true);
    expect(result.health).toMatchObject({ windows: 20, unhealthyWindows: 0, unhealthy: [] });
    expect(result.health!.engines.map((e) => e.windows.length)).toEqual([20, 20]);
    expect(result.health!.probe).toHaveLength(20);
    expect(result.timeline[3]).toMatchObject({ healthLatenessMs: 2, healthEventLoopDelayMs: 1, healthCpuPercent: 20, healthReceiveLagMs: 1, healthUnhealthyParts: 0 });
  });

  it('an assertion whose windows were unhealthy is inconclusive, not failed: exit 3 material with E_GENERATOR_OVERLOAD naming cause, partition, windows and a hint', () => {
    // Loss the starved partition itself caused, in windows 12-13 (outside the spike): without health, `max < 1` would fail.
    const lossAt = (_p: number, i: number): number => (i >= 12 && i < 14 ? 0.5 : 0);
    const { result } = verdict(healthOf(20, [{ partition: 0, windows: [12, 13], window: { latenessP99Ms: 60, cpuPercent: 99 } }, { partition: 1, windows: [12, 13], window: { latenessP99Ms: 45 } }]), lossAt);
    const [whole, during, baseline] = ['whole', 'during_spikes', 'baseline'].map((scope) => result.assertions.find((a) => a.scope === scope)!);
    expect(whole).toMatchObject({ passed: false, inconclusive: { windows: [12, 13], partitions: [0, 1], probe: false } });
    expect(whole.measured).toBeCloseTo(5, 1); // still what was measured
    expect(baseline.inconclusive).toBeDefined();
    // The spike's windows (5-9 and the settling window 10) were all healthy: judged as usual.
    expect(during.inconclusive).toBeUndefined();
    expect(during.passed).toBe(true);
    expect(result.status).toBe('inconclusive');
    expect(result.errorCode).toBe('E_GENERATOR_OVERLOAD');
    expect(result.errorMessage).toContain('partition 0 in windows 12-13 (pacing lateness p99 60 ms > 25 ms, CPU 99 % of a core > 95 %)');
    expect(result.errorMessage).toContain('partition 1 in windows 12-13');
    expect(result.errorMessage).toMatch(/hint: .*participants_per_partition.*partitions.*quieter machine/);
    expect(result.timeline[12].healthUnhealthyParts).toBe(2);
    // Each assertion says it in short; the run's message has the windows and values.
    expect(whole.message).toMatch(/^not judged: the load generator was unhealthy in 2 of the 20 windows it depends on \(partitions 0, 1: pacing lateness, CPU\); measured 5 \(limit < 1\)/);
  });

  it('an assertion that failed in healthy windows still fails the run (exit 1), next to an inconclusive one', () => {
    // Partition 0 starved in window 2 only; real loss on every stream in windows 5-9 (the spike) fails `during_spikes max < 50`? no: 60 %.
    const lossAt = (_p: number, i: number): number => (i >= 5 && i < 10 ? 0.6 : 0);
    const { result } = verdict(healthOf(20, [{ partition: 0, windows: [2], window: { eventLoopDelayP99Ms: 200 } }]), lossAt);
    const [whole, during] = ['whole', 'during_spikes'].map((scope) => result.assertions.find((a) => a.scope === scope)!);
    expect(whole.inconclusive).toBeDefined();
    expect(during).toMatchObject({ passed: false });
    expect(during.inconclusive).toBeUndefined();
    expect(result.status).toBe('failed');
    expect(result.errorCode).toBeNull();
  });

  it('without health figures (older engines, fake time) every assertion is judged', () => {
    const { result } = verdict(null, (_p, i) => (i === 12 ? 0.5 : 0));
    expect(result.status).toBe('failed');
    expect(result.health).toBeUndefined();
  });
});

describe('generator health in the reports', () => {
  const { result } = verdict(healthOf(20, [{ partition: 1, windows: [12], window: { latenessP99Ms: 60 } }]));

  it('JUnit: an inconclusive assertion is an <error type="GeneratorOverload">, never a <failure>', () => {
    const xml = renderJunit(result);
    expect(xml.match(/<error message="[^"]*\(partition 1: pacing lateness\)[^"]*" type="GeneratorOverload"\/>/g)).toHaveLength(2);
    expect(xml).toContain('failures="0" errors="2"');
    expect(xml).not.toContain('<failure');
    expect(xml).toContain('name="generator_unhealthy_windows" value="1"');
  });

  it('console, GitHub annotations and HTML say inconclusive and why', () => {
    const summary = renderSummary(result);
    expect(summary).toContain('smoke: INCONCLUSIVE'.replace('smoke', result.scenario));
    expect(summary).toMatch(/INCONCLUSIVE\s+packet_loss_percent max < 1/);
    expect(summary).toContain('generator: UNHEALTHY in 1 of 20 windows: partition 1 in window 12 (pacing lateness p99 60 ms > 25 ms)');
    const annotations = renderAnnotations(result, { workspace: process.cwd(), cwd: process.cwd() });
    expect(annotations.some((l) => l.startsWith('::warning') && l.includes('E_GENERATOR_OVERLOAD'))).toBe(true);
    expect(annotations.some((l) => l.startsWith('::error'))).toBe(false);
    const summaryMd = renderJobSummary(result);
    expect(summaryMd).toContain('INCONCLUSIVE');
    expect(summaryMd).toMatch(/\| ❔ \| `packet_loss_percent max < 1`/);
    expect(summaryMd).toContain('generator: UNHEALTHY in 1 of 20 windows');
    const html = renderHtml(result);
    expect(html).toContain('<section id="health">');
    expect(html).toContain('chart-health-timing');
    expect(html).toMatch(/<table class="sortable" id="health-windows">[\s\S]*partition 1[\s\S]*pacing lateness p99 60 ms &gt; 25 ms/);
  });
});
