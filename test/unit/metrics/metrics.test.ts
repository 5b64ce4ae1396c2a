import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyEngineStats } from '../../../src/engine/engine-stats.js';
import { createMetrics, serveEngineMetrics } from '../../../src/metrics/index.js';
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

  it('feedback: counters follow the cumulative viewer and sender figures, topped up to the result at the end; residual loss and RTT gauges', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-metrics-fb-'));
    const metrics = createMetrics();
    try {
      const a = fakeRun('a', dir);
      const b = fakeRun('b', dir);
      metrics.track(a);
      metrics.track(b);
      a.begin();
      b.begin();
      a.send(100, 1000, 90, { lossPercent: 10 });
      a.feedback({ residualLossPercent: 1, nacksSent: 40, plisSent: 2, retransmissionsReceived: 55, freezes: 1, freezeMs: 250 }, { rtcpReceived: 70, retransmissionsSent: 60, keyframesSent: 2, nacksReceived: 0, plisReceived: 0 });
      // b has no playout model and no RTCP: it measures no viewer figures and must not pull the gauge to 0
      b.send(100, 1000, 100);
      let body = (await metrics.render()).body;
      expect(sample(body, 'avcm_probe_nacks_sent_total')).toBe(40);
      expect(sample(body, 'avcm_probe_plis_sent_total')).toBe(2);
      expect(sample(body, 'avcm_probe_retransmissions_received_total')).toBe(55);
      expect(sample(body, 'avcm_probe_freezes_total')).toBe(1);
      expect(sample(body, 'avcm_probe_freeze_seconds_total')).toBeCloseTo(0.25, 9);
      expect(sample(body, 'avcm_sender_retransmissions_sent_total')).toBe(60);
      expect(sample(body, 'avcm_sender_keyframes_sent_total')).toBe(2);
      expect(sample(body, 'avcm_sender_rtcp_received_total')).toBe(70);
      expect(sample(body, 'avcm_sender_nacks_received_total')).toBe(0);
      expect(sample(body, 'avcm_probe_residual_loss_percent')).toBe(1);
      // wire loss and viewer loss side by side: (10 + 0) / 2 on the wire, 1 at playout
      expect(sample(body, 'av_chaos_monkey_packet_loss_percent')).toBe(5);
      // the same cumulative figures again add nothing; growth adds the difference
      body = (await metrics.render()).body;
      expect(sample(body, 'avcm_probe_nacks_sent_total')).toBe(40);
      a.feedback({ residualLossPercent: 3, nacksSent: 50, plisSent: 2, retransmissionsReceived: 70, freezes: 2, freezeMs: 1250 }, { rtcpReceived: 90, retransmissionsSent: 75, keyframesSent: 3, nacksReceived: 48, plisReceived: 2 });
      body = (await metrics.render()).body;
      expect(sample(body, 'avcm_probe_nacks_sent_total')).toBe(50);
      expect(sample(body, 'avcm_probe_freeze_seconds_total')).toBeCloseTo(1.25, 9);
      expect(sample(body, 'avcm_sender_nacks_received_total')).toBe(48);
      expect(sample(body, 'avcm_sender_plis_received_total')).toBe(2);
      expect(sample(body, 'avcm_probe_residual_loss_percent')).toBe(3);
      // The result has what live snapshots could not see yet (late windows, the partitions' final reports).
      await a.finish('passed', 0, {
        feedback: { nacksSent: 52, retransmissionsReceived: 71, packetsRecovered: 70, plisSent: 3, freezes: 2, freezeMs: 1300, senderNacksReceived: 52, senderRetransmissionsSent: 80, senderPlisReceived: 3, senderFirsReceived: 0, senderKeyframesSent: 3 },
        rttMs: [20, 40],
      });
      await eventually(async () => sample((await metrics.render()).body, 'avcm_runs_total', '{result="passed"}') === 1);
      body = (await metrics.render()).body;
      expect(sample(body, 'avcm_probe_nacks_sent_total')).toBe(52);
      expect(sample(body, 'avcm_probe_plis_sent_total')).toBe(3);
      expect(sample(body, 'avcm_probe_retransmissions_received_total')).toBe(71);
      expect(sample(body, 'avcm_probe_freeze_seconds_total')).toBeCloseTo(1.3, 9);
      expect(sample(body, 'avcm_sender_nacks_received_total')).toBe(52);
      expect(sample(body, 'avcm_sender_retransmissions_sent_total')).toBe(80);
      expect(sample(body, 'avcm_sender_plis_received_total')).toBe(3);
      expect(sample(body, 'avcm_sender_rtcp_received_total')).toBe(90);
      expect(sample(body, 'avcm_rtt_seconds')).toBeCloseTo(0.03, 9);
      // b finishes without feedback figures: nothing moves
      await b.finish('failed');
      await eventually(async () => sample((await metrics.render()).body, 'avcm_runs_total', '{result="failed"}') === 1);
      body = (await metrics.render()).body;
      expect(sample(body, 'avcm_probe_nacks_sent_total')).toBe(52);
      expect(sample(body, 'avcm_rtt_seconds')).toBeCloseTo(0.03, 9);
      expect(body).not.toMatch(/\{[^}]*(run|participant|ssrc)=/);
    } finally {
      metrics.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("an engine's /metrics: its partition's sender counters, promtool-clean", async () => {
    const stats = { ...emptyEngineStats(3, 10), packetsSent: 500, retransmissionsSent: 12, keyframesSent: 1, rtcpReceived: 40 };
    const server = await serveEngineMetrics(0, 3, () => stats);
    try {
      const body = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(sample(body, 'av_chaos_monkey_packets_sent_total', '{partition="3"}')).toBe(500);
      expect(sample(body, 'avcm_sender_retransmissions_sent_total', '{partition="3"}')).toBe(12);
      expect(sample(body, 'avcm_sender_keyframes_sent_total', '{partition="3"}')).toBe(1);
      expect(sample(body, 'avcm_sender_rtcp_received_total', '{partition="3"}')).toBe(40);
      stats.retransmissionsSent = 20;
      const again = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(sample(again, 'avcm_sender_retransmissions_sent_total', '{partition="3"}')).toBe(20);
      const promtool = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: again, encoding: 'utf8', timeout: 20_000 });
      expect(promtool.status, promtool.stdout + promtool.stderr).toBe(0);
    } finally {
      await server.close();
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
      run.feedback({ residualLossPercent: 0.4, nacksSent: 9, plisSent: 1, retransmissionsReceived: 11, freezes: 1, freezeMs: 420 }, { rtcpReceived: 30, retransmissionsSent: 12, keyframesSent: 1, nacksReceived: 9, plisReceived: 1 });
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
        'avcm_rtt_seconds',
        'avcm_probe_residual_loss_percent',
        'avcm_probe_nacks_sent_total',
        'avcm_probe_plis_sent_total',
        'avcm_probe_retransmissions_received_total',
        'avcm_probe_freezes_total',
        'avcm_probe_freeze_seconds_total',
        'avcm_sender_nacks_received_total',
        'avcm_sender_retransmissions_sent_total',
        'avcm_sender_plis_received_total',
        'avcm_sender_keyframes_sent_total',
        'avcm_sender_rtcp_received_total',
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
