import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/plan/index.js';
import { loadScenario, parseScenarioText, validateLoaded } from '../../../src/scenario/index.js';
import { formatTraceCsv, formatTraceJson, parseTrace, traceFromResult } from '../../../src/trace/index.js';
import { buildRunResult } from '../../../src/verdict/index.js';
import { planOf, probeReport, syntheticStream } from '../../helpers/results.js';

describe('trace files', () => {
  it('reads a CSV timeline: header, empty cells as unimpaired, comments, an end row', () => {
    const csv = '# a drive\nt_ms,loss_percent,delay_ms,jitter_ms,bandwidth_kbps\n0,0,20,2,\n1000,5,40,,1500\n2500,,,,\n';
    expect(parseTrace(csv, 'auto')).toEqual({
      trace: { kind: 'timeline', periodMs: 2500, tMs: [0, 1000], lossPercent: [0, 5], delayMs: [20, 40], jitterMs: [2, null], bandwidthKbps: [null, 1500] },
      problems: [],
    });
    // Without an end row the last row lasts as long as the one before it; t_s is seconds; columns may be few.
    expect(parseTrace('t_s,delay_ms\n0,10\n0.5,30\n', 'timeline').trace).toMatchObject({ periodMs: 1000, tMs: [0, 500], delayMs: [10, 30], lossPercent: [null, null] });
  });

  it('reads a JSON timeline, with or without its wrapper', () => {
    const json = JSON.stringify({ format: 'avcm-network-trace', version: 1, end_ms: 3000, samples: [{ t_ms: 0, loss_percent: 1 }, { t_ms: 2000, delay_ms: 50, bandwidth_kbps: 800 }] });
    expect(parseTrace(json, 'auto').trace).toEqual({ kind: 'timeline', periodMs: 3000, tMs: [0, 2000], lossPercent: [1, null], delayMs: [null, 50], jitterMs: [null, null], bandwidthKbps: [null, 800] });
    expect(parseTrace('[{"t_ms": 0, "jitter_ms": 4}]', 'auto').trace).toMatchObject({ periodMs: 1000, jitterMs: [4] });
  });

  it('reads a Mahimahi trace (one millisecond timestamp per line) and tells it from a CSV', () => {
    expect(parseTrace('1\n1\n3\n\n5\n', 'auto')).toEqual({ trace: { kind: 'mahimahi', periodMs: 5, deliveryMs: [1, 1, 3, 5] }, problems: [] });
    expect(parseTrace('5\n3\n', 'mahimahi').problems).toEqual([{ line: 2, message: "3 comes before the previous line's 5 (timestamps must not decrease)" }]);
    expect(parseTrace('0\n0\n', 'mahimahi').problems[0].message).toMatch(/must be > 0/);
    expect(parseTrace('1\nx\n', 'mahimahi').problems).toEqual([{ line: 2, message: 'expected a whole number of milliseconds, found "x"' }]);
  });

  it('names every problem of a timeline with its line', () => {
    const csv = 't_ms,loss_percent,delay_ms,speed\n0,120,10\n500,5,-1\n400,x,\n';
    expect(parseTrace(csv, 'auto').problems).toEqual([
      { line: 1, message: 'unknown column "speed"; columns: t_ms, loss_percent, delay_ms, jitter_ms, bandwidth_kbps' },
      { line: 2, message: 'loss_percent 120 is outside 0..100' },
      { line: 3, message: 'delay_ms -1 is outside 0..60000' },
      { line: 4, message: 'loss_percent: expected a number or nothing, found "x"' },
    ]);
    expect(parseTrace('t_ms,delay_ms\n100,1\n50,2\n', 'auto').problems).toEqual([
      { line: 2, message: 'the first row must be at t_ms 0, found 100' },
      { line: 3, message: "t_ms 50 does not come after the previous row's 100" },
    ]);
  });

  it('exports a run as a timeline that reads back: per window loss, delay, and jitter as the sigma of the delay', () => {
    const { scenario, plan } = planOf('duration: 4s\nparticipants: { count: 2 }\nassertions:\n  mos: ["avg > 1"]\n');
    const streams = plan.participants.flatMap((p) => [syntheticStream(p.id, 'video', p.videoSsrc!, 4, (i) => (i === 2 ? 0.1 : 0), (i) => (i === 3 ? 8 : 1))]);
    const result = buildRunResult({ plan, assertions: scenario.assertions, file: null, probe: probeReport(streams, 4), target: 'x', startedAt: new Date(0), finishedAt: new Date(0), packetsSent: null, restarts: [] });
    const trace = traceFromResult(result);
    expect(trace.tMs).toEqual([0, 1000, 2000, 3000]);
    expect(trace.periodMs).toBe(4000);
    expect(trace.lossPercent).toEqual([0, 0, 10, 0]);
    expect(trace.delayMs).toEqual([1, 1, 1, 1]);
    expect(trace.jitterMs[3]).toBeCloseTo(8 * (Math.sqrt(Math.PI) / 2), 2);
    expect(trace.bandwidthKbps).toEqual([null, null, null, null]);
    expect(traceFromResult(result, { bandwidth: true }).bandwidthKbps[0]).toBeCloseTo(result.timeline[0].bitrateKbps / 2, 1);
    for (const text of [formatTraceCsv(trace, 'from a test\nline two'), formatTraceJson(trace, 'a test')]) expect(parseTrace(text, 'auto')).toEqual({ trace, problems: [] });
  });
});

describe('trace spikes in a scenario', () => {
  async function dirWith(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-trace-'));
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    return dir;
  }

  it('reads the trace next to the scenario file into the plan; without a duration the spike lasts the trace', async () => {
    const dir = await dirWith({
      'drive.csv': 't_ms,loss_percent,delay_ms\n0,0,10\n1000,10,50\n3000,,\n',
      'link.mahi': '2\n4\n6\n',
      's.yaml': 'version: 1\nname: s\nduration: 20s\nparticipants: { count: 2 }\nspikes:\n  - { type: trace, at: 2s, file: drive.csv }\n  - { type: trace, at: 8s, duration: 5s, file: link.mahi, queue: 300ms, participants: [1002] }\n',
    });
    const scenario = await loadScenario('s.yaml', {}, dir);
    const plan = compile(scenario, { partitions: 1, cores: 1 });
    expect(plan.spikes.map((s) => [s.type, s.startMs, s.endMs, s.params, s.trace?.kind])).toEqual([
      ['trace', 2000, 5000, { traceFile: 'drive.csv', queueMs: 200 }, 'timeline'],
      ['trace', 8000, 13_000, { traceFile: 'link.mahi', queueMs: 300 }, 'mahimahi'],
    ]);
    expect(plan.spikes[1].trace).toEqual({ kind: 'mahimahi', periodMs: 6, deliveryMs: [2, 4, 6] });
    // The plan is pure: the same scenario compiles to the same bytes.
    expect(JSON.stringify(compile(scenario, { partitions: 1, cores: 1 }))).toBe(JSON.stringify(plan));
  });

  it('locates a broken or missing trace at the spike\'s file, with the trace line; inline scenarios cannot name files', async () => {
    const dir = await dirWith({ 'bad.csv': 't_ms,loss_percent\n0,101\n', 's.yaml': 'version: 1\nname: s\nduration: 20s\nparticipants: { count: 2 }\nspikes:\n  - type: trace\n    at: 1s\n    file: bad.csv\n  - { type: trace, at: 5s, file: nope.csv }\n  - { type: trace, at: 8s, file: bad.csv, fromat: csv }\n' });
    const { problems } = validateLoaded(await (await import('../../../src/scenario/index.js')).loadScenarioFile('s.yaml', dir));
    expect(problems.map((p) => `${p.line}:${p.column} ${p.path} ${p.message}`)).toEqual(['10:43 /spikes/2/fromat unknown property "fromat"; did you mean "format"?']);
    const fixed = validateLoaded(await (await import('../../../src/scenario/index.js')).loadScenarioFile('s.yaml', dir).then((l) => ({ ...l, document: { ...(l.document as object), spikes: (l.document as { spikes: object[] }).spikes.slice(0, 2) } })));
    expect(fixed.problems.map((p) => `${p.line}:${p.column} ${p.path} ${p.message}`)).toEqual([
      '8:11 /spikes/0/file trace bad.csv:2: loss_percent 101 is outside 0..100',
      '9:34 /spikes/1/file trace nope.csv: no such file',
    ]);
    const inline = validateLoaded(parseScenarioText('version: 1\nname: s\nduration: 20s\nparticipants: { count: 2 }\nspikes:\n  - { type: trace, at: 1s, file: x.csv }\n', 'request body'));
    expect(inline.problems.map((p) => p.message)).toEqual(['trace files are read next to a scenario file; a scenario given inline cannot name one']);
  });

  it('a trace longer than the run says so and how to fix it', async () => {
    const dir = await dirWith({ 'long.csv': 't_ms,delay_ms\n0,10\n30000,,\n', 's.yaml': 'version: 1\nname: s\nduration: 20s\nparticipants: { count: 2 }\nspikes:\n  - { type: trace, at: 1s, file: long.csv }\n' });
    const { problems } = validateLoaded(await (await import('../../../src/scenario/index.js')).loadScenarioFile('s.yaml', dir));
    expect(problems.map((p) => `${p.path} ${p.message}`)).toContain("/spikes/0/file the trace lasts 30s (the spike's default duration) but the run is only 20s; give the spike a duration to replay part of it");
  });
});
