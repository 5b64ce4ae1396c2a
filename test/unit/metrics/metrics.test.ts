import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics/index.js';
import type { Scenario } from '../../../src/scenario/index.js';
import { scenarioFromText } from '../../../src/scenario/index.js';
import { buildServer } from '../../../src/server/index.js';
import { eventually, FakeRun, FakeRunner } from '../server/fake-runner.js';

const scenario: Scenario = scenarioFromText('version: 1\nname: m\nduration: 10s\nparticipants: { count: 5, base_port: 0 }\n', 'inline');

/** The value of an unlabelled sample (or one with the given label set) in the exposition text. */
function sample(body: string, name: string, labels = ''): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

function fakeRun(id: string, dir: string): FakeRun {
  return new FakeRun({ id, scenario, reports: { outDir: path.join(dir, id) } });
}

describe('AvcmMetrics', () => {
  it('advances counters by the delta of cumulative progress totals, once per flush, never double counting', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-metrics-'));
    const metrics = createMetrics();
    try {
      const a = fakeRun('a', dir);
      const b = fakeRun('b', dir);
      metrics.track(a);
      metrics.track(b);
      metrics.track(a); // twice is a no-op
      a.begin();
      b.begin();
      a.send(100, 1000, 95, { sendErrors: 2, lossPercent: 5, jitterMs: 4, mos: 4 });
      b.send(50, 1000, 50, { lossPercent: 1, jitterMs: 2, mos: 4.4 });
      let body = (await metrics.render()).body;
      expect(sample(body, 'av_chaos_monkey_participants_total')).toBe(10);
      expect(sample(body, 'av_chaos_monkey_packets_sent_total')).toBe(150);
      expect(sample(body, 'av_chaos_monkey_bytes_sent_total')).toBe(150_000);
      expect(sample(body, 'avcm_probe_packets_received_total')).toBe(145);
      expect(sample(body, 'avcm_send_errors_total')).toBe(2);
      expect(sample(body, 'avcm_participants_active')).toBe(10);
      expect(sample(body, 'avcm_runs_active')).toBe(2);
      expect(sample(body, 'av_chaos_monkey_packet_loss_percent')).toBe(3);
      expect(sample(body, 'av_chaos_monkey_jitter_seconds')).toBeCloseTo(0.003, 6);
      expect(sample(body, 'av_chaos_monkey_mos')).toBeCloseTo(4.2, 6);
      // rendering again without new packets adds nothing
      body = (await metrics.render()).body;
      expect(sample(body, 'av_chaos_monkey_packets_sent_total')).toBe(150);
      a.send(10);
      body = (await metrics.render()).body;
      expect(sample(body, 'av_chaos_monkey_packets_sent_total')).toBe(160);
      a.injectSpike({ type: 'frame_drop', durationMs: 1000, params: { dropPercent: 5 }, participantIds: [] });
      expect(sample((await metrics.render()).body, 'av_chaos_monkey_spikes_active')).toBe(1);

      a.send(5);
      await a.finish('passed');
      await eventually(async () => sample((await metrics.render()).body, 'avcm_runs_total', '{result="passed"}') === 1);
      body = (await metrics.render()).body;
      // the last packets before the end are counted; the finished run is no longer active
      expect(sample(body, 'av_chaos_monkey_packets_sent_total')).toBe(165);
      expect(sample(body, 'avcm_runs_active')).toBe(1);
      expect(sample(body, 'avcm_participants_active')).toBe(5);
      expect(sample(body, 'avcm_run_duration_seconds_count')).toBe(1);
      expect(sample(body, 'avcm_one_way_delay_seconds')).toBeCloseTo(0.01, 6);

      metrics.untrack('b');
      metrics.untrack('b');
      b.send(1000);
      body = (await metrics.render()).body;
      expect(sample(body, 'av_chaos_monkey_packets_sent_total')).toBe(165);
      expect(sample(body, 'avcm_runs_active')).toBe(0);
      // labels stay bounded: no run ids, no participant ids
      expect(body).not.toMatch(/\{[^}]*(run|participant)=/);
    } finally {
      metrics.close();
      metrics.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('each instance has its own registry (two servers in one process do not share counters)', async () => {
    const one = createMetrics();
    const two = createMetrics();
    const run = new FakeRun({ id: 'x', scenario, reports: { outDir: os.tmpdir() } });
    one.track(run);
    run.send(7);
    expect(sample((await one.render()).body, 'av_chaos_monkey_packets_sent_total')).toBe(7);
    expect(sample((await two.render()).body, 'av_chaos_monkey_packets_sent_total')).toBe(0);
    one.close();
    two.close();
  });

  it("a server's real /metrics output passes promtool check metrics (with process metrics, during and after runs)", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-metrics-srv-'));
    const metrics = createMetrics({ processMetrics: true });
    const runner = new FakeRunner();
    const { app } = await buildServer({ runner, metrics, reportsDir: dir });
    try {
      const posted = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/yaml' }, payload: 'version: 1\nname: p\nduration: 5s\nparticipants: { count: 2, base_port: 0 }\n' });
      const run = runner.run((posted.json() as { id: string }).id);
      run.begin();
      run.send(300, 1100, 290, { lossPercent: 3.3, jitterMs: 2.5, mos: 4.1 });
      const check = async (): Promise<string> => {
        const res = await app.inject({ method: 'GET', url: '/metrics' });
        expect(res.statusCode).toBe(200);
        const promtool = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: res.body, encoding: 'utf8', timeout: 20_000 });
        expect(promtool.status, promtool.stdout + promtool.stderr).toBe(0);
        return res.body;
      };
      const during = await check();
      for (const name of [
        'av_chaos_monkey_participants_total',
        'av_chaos_monkey_packets_sent_total',
        'av_chaos_monkey_bytes_sent_total',
        'av_chaos_monkey_spikes_active',
        'av_chaos_monkey_packet_loss_percent',
        'av_chaos_monkey_jitter_seconds',
        'av_chaos_monkey_mos',
        'avcm_runs_total',
        'avcm_run_duration_seconds',
        'avcm_probe_packets_received_total',
        'avcm_send_errors_total',
        'avcm_one_way_delay_seconds',
        'avcm_process_cpu_seconds_total',
      ]) {
        expect(during, name).toContain(`# TYPE ${name} `);
      }
      expect(sample(during, 'av_chaos_monkey_packets_sent_total')).toBe(300);
      await run.finish('failed');
      await eventually(async () => (await app.inject({ method: 'GET', url: '/metrics' })).body.includes('avcm_runs_total{result="failed"} 1'));
      await check();
      // the original platform's ms name is there on request (promtool's lint rejects abbreviated units)
      const original = await app.inject({ method: 'GET', url: '/metrics?names=original' });
      expect(original.body).toContain('# TYPE av_chaos_monkey_jitter_ms gauge');
    } finally {
      await app.close();
      metrics.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
