import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../../src/result/index.js';
import type { RunResult, Scope, Stat } from '../../../src/result/types.js';
import { loadScenarioSchema, parseScenarioText, validateLoaded } from '../../../src/scenario/index.js';
import { buildRunResult, summaryOf } from '../../../src/verdict/index.js';
import { parseExpression } from '../../../src/scenario/assertion-expression.js';
import { planOf, probeReport, senderOf, syntheticStream, withViewer } from '../../helpers/results.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const SPIKE = `duration: 20s
participants: { count: 4 }
spikes:
  - { type: rtp_packet_loss, at: 5s, duration: 6s, loss_percentage: 10, participants: [1001, 1002] }
`;

/**
 * A run with every metric measured (wire, viewer, sender): participants 1001 and 1002 lose
 * `loss` of their packets in the spike and freeze once, all recover after it.
 */
function run(assertionsYaml: string, options: { loss?: number; viewer?: boolean; baseline?: { report: string; result: RunResult } } = {}): RunResult {
  const { scenario, plan } = planOf(`${SPIKE}${assertionsYaml}`);
  const loss = options.loss ?? 0.1;
  const lossAt = (id: number) => (i: number) => (id <= 1002 && i >= 5 && i < 11 ? loss : 0);
  const streams = plan.participants.flatMap((p, n) => {
    const video = syntheticStream(p.id, 'video', p.videoSsrc!, 20, lossAt(p.id), (i) => 1 + n + (i % 3));
    const audio = syntheticStream(p.id, 'audio', p.audioSsrc!, 20, lossAt(p.id));
    return options.viewer === false ? [video, audio] : [withViewer(video, 0.1, p.id <= 1002 ? [7] : []), withViewer(audio)];
  });
  const senders = options.viewer === false ? [] : streams.map((st, n) => senderOf(st, (i) => 20 + n + (i >= 5 && i < 11 ? 30 : 0)));
  return buildRunResult({ plan, assertions: scenario.assertions, file: 'gate.yaml', probe: probeReport(streams, 20), target: 'udp://127.0.0.1:1', startedAt: NOW, finishedAt: NOW, packetsSent: null, senders, restarts: [], baseline: options.baseline });
}

describe('baseline-relative assertion expressions', () => {
  it('parse LIMIT = baseline [* FACTOR] [+|- OFFSET], next to plain numbers', () => {
    expect(parseExpression('avg >= baseline - 0.1')).toEqual({ stat: 'avg', op: '>=', threshold: 0, relative: { factor: 1, offset: -0.1 } });
    expect(parseExpression(' p95 <= baseline * 1.2 + 0.5 ')).toEqual({ stat: 'p95', op: '<=', threshold: 0, relative: { factor: 1.2, offset: 0.5 } });
    expect(parseExpression('max<baseline')).toEqual({ stat: 'max', op: '<', threshold: 0, relative: { factor: 1, offset: 0 } });
    expect(parseExpression('min > baseline*0.9')).toEqual({ stat: 'min', op: '>', threshold: 0, relative: { factor: 0.9, offset: 0 } });
    for (const bad of ['avg < 2 * baseline', 'avg < baseline * -1', 'avg < baselin', 'avg < baseline + ', 'avg < baseline % 2', 'avg < baseline + 1 + 2']) {
      expect(parseExpression(bad), bad).toHaveProperty('error');
    }
  });

  it("the schema's assertion pattern accepts exactly what the parser accepts", () => {
    const schema = loadScenarioSchema() as { $defs: { assertionExpression: { pattern: string } } };
    const pattern = new RegExp(schema.$defs.assertionExpression.pattern);
    const cases = ['avg < 2', 'p95 <= -1.5', 'avg >= baseline - 0.1', 'p95 <= baseline * 1.2 + 0.5', 'max == baseline', 'min > baseline*0.9', 'p99 < baseline+3', 'avg < 2 * baseline', 'avg < baseline * -1', 'avg < baselin', 'avg < baseline +', 'p42 < 1', 'avg ~ 1', 'avg < baseline - 1 - 2'];
    for (const text of cases) expect(pattern.test(text), text).toBe(!('error' in parseExpression(text)));
  });
});

describe('assertions relative to a baseline run', () => {
  const baselineRun = run('');

  it('work for every metric in every scope: the baseline value is the same stat of the same metric and scope in the baseline report', () => {
    const summary = baselineRun.summary!;
    const stats: Stat[] = ['avg', 'min', 'max', 'p50', 'p90', 'p95', 'p99'];
    const scopes: Scope[] = ['whole', 'during_spikes', 'baseline'];
    const lines: string[] = [];
    const expected: { name: string; value: number }[] = [];
    for (const scope of scopes) {
      const block: string[] = [];
      METRIC_NAMES.forEach((metric, i) => {
        const stat = stats[(i + scopes.indexOf(scope)) % stats.length];
        const value = summary[scope][metric]?.[stat];
        if (value === undefined) return; // not measured in this scope (e.g. keyframe responses outside spikes)
        block.push(`    ${metric}: ["${stat} == baseline"]`);
        expected.push({ name: `${scope === 'whole' ? '' : `${scope} `}${metric} ${stat} == baseline`, value });
      });
      if (scope === 'whole') lines.push(...block.map((l) => l.slice(2)));
      else lines.push(`  ${scope}:`, ...block);
    }
    lines.push('  recovery_seconds: ["max <= baseline + 0"]');
    const result = run(`assertions:\n${lines.join('\n')}\n`, { baseline: { report: 'old/t.json', result: baselineRun } });
    // Every metric is covered in at least one scope (the viewer metrics and RTT included), except
    // reconnect_seconds: only runs with sut_* spikes measure it (a scenario without them may not
    // assert it), and this run has none; nor the layer metrics: only simulcast runs measure them.
    const unmeasured = ['reconnect_seconds', 'layer', 'layer_switches', 'layer_switch_ms'];
    for (const metric of METRIC_NAMES.filter((m) => !unmeasured.includes(m))) expect(expected.some((e) => e.name.includes(`${metric} `)), metric).toBe(true);
    expect(result.assertions).toHaveLength(expected.length + 1);
    for (const e of expected) {
      const a = result.assertions.find((x) => x.name === e.name)!;
      expect(a, e.name).toBeDefined();
      expect(a.baseline, e.name).toEqual({ limit: 'baseline', value: e.value, report: 'old/t.json' });
      expect(a.threshold).toBe(e.value);
      expect(a.passed, `${e.name}: ${a.message}`).toBe(true);
    }
    const recovery = result.assertions.at(-1)!;
    expect(recovery.baseline?.value).toBe(summary.recovery_seconds!.recovered!.max);
    expect(recovery.passed, recovery.message).toBe(true);
    expect(result.status).toBe('passed');
    expect(result.baselineRun).toMatchObject({ report: 'old/t.json', scenario: 't', status: 'passed' });
  });

  it('a worse run fails against the baseline, says the resolved limit and names the worst streams', () => {
    const base = summaryOf(baselineRun).during_spikes.packet_loss_percent!.p95;
    const worse = run('assertions:\n  during_spikes:\n    packet_loss_percent: ["p95 <= baseline * 1.2 + 0.5"]\n  mos: ["avg >= baseline"]\n', { loss: 0.2, baseline: { report: 'base.json', result: baselineRun } });
    const loss = worse.assertions.find((a) => a.metric === 'packet_loss_percent')!;
    const mos = worse.assertions.find((a) => a.metric === 'mos')!;
    expect(loss.threshold).toBeCloseTo(base * 1.2 + 0.5, 3);
    expect(loss.measured!).toBeGreaterThan(loss.threshold!);
    expect(loss.passed).toBe(false);
    expect(loss.message).toMatch(new RegExp(`limit <= [\\d.]+ = baseline ${base} \\* 1\\.2 \\+ 0\\.5`));
    expect(loss.worst.map((w) => w.participantId)).toEqual(expect.arrayContaining([1001, 1002]));
    expect(loss.worst.every((w) => w.participantId === 1001 || w.participantId === 1002)).toBe(true);
    expect(mos.passed).toBe(false);
    expect(worse.status).toBe('failed');
    // The same run against itself passes.
    expect(run('assertions:\n  during_spikes:\n    packet_loss_percent: ["p95 <= baseline * 1.2 + 0.5"]\n', { baseline: { report: 'base.json', result: baselineRun } }).status).toBe('passed');
  });

  it('reads reports written before the summary existed by recomputing it from their streams', () => {
    const { summary: _summary, ...old } = baselineRun;
    expect(summaryOf(old as RunResult)).toEqual(baselineRun.summary);
    const r = run('assertions:\n  jitter_ms: ["p90 <= baseline"]\n', { baseline: { report: 'old.json', result: old as RunResult } });
    expect(r.assertions[0].baseline?.value).toBe(baselineRun.summary!.whole.jitter_ms!.p90);
    expect(r.assertions[0].passed).toBe(true);
  });

  it('fails, saying why, when the baseline run measured nothing there or no baseline was given', () => {
    const openLoop = run('', { viewer: false });
    const r = run('assertions:\n  residual_loss_percent: ["avg <= baseline + 0.1"]\n', { baseline: { report: 'open.json', result: openLoop } });
    expect(r.assertions[0]).toMatchObject({ passed: false, threshold: null, baseline: { value: null } });
    expect(r.assertions[0].message).toMatch(/the baseline run \(open\.json\) measured no residual_loss_percent to compare with/);
    const none = run('assertions:\n  mos: ["avg >= baseline - 0.1"]\n');
    expect(none.assertions[0].passed).toBe(false);
    expect(none.assertions[0].message).toMatch(/needs a baseline run/);
  });

  it('records where each assertion is written in the scenario file', () => {
    const text = `version: 1\nname: t\n${SPIKE}assertions:\n  mos: ["avg >= 3"]\n  during_spikes:\n    packet_loss_percent:\n      - "max < 20"\n      - "avg <= baseline + 1"\n`;
    const { scenario } = validateLoaded(parseScenarioText(text, 'gate.yaml'));
    expect(scenario!.assertions.map((a) => [a.path.join('/'), a.location])).toEqual([
      ['assertions/mos/0', { file: 'gate.yaml', line: 8, column: 9 }],
      ['assertions/during_spikes/packet_loss_percent/0', { file: 'gate.yaml', line: 11, column: 9 }],
      ['assertions/during_spikes/packet_loss_percent/1', { file: 'gate.yaml', line: 12, column: 9 }],
    ]);
  });
});
