import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** The benchmark in a short smoke form: it runs end to end and reports every figure (no timing asserts). */
describe('avcm bench (smoke)', () => {
  it('prints the table and writes the JSON figures for avcm and the naive baseline', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-bench-'));
    const json = path.join(dir, 'bench.json');
    const run = await runCli(['bench', '--participants', '6', '--duration', '2s', '--partitions', '1', '--json', json], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/naive baseline/);
    expect(run.stdout).toMatch(/pacing lateness p99 ms/);
    const figures = JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown> & { baseline: Record<string, unknown> };
    for (const key of ['participants', 'achieved_ratio', 'loss_percent', 'lateness_p99_ms', 'rss_mb_per_participant', 'first_packet_ms']) {
      expect(figures[key], key).toEqual(expect.any(Number));
      expect(figures.baseline[key], `baseline.${key}`).toEqual(expect.any(Number));
    }
    expect(figures.participants).toBe(6);
    expect(figures.packets_received as number).toBeGreaterThan(0);
  }, 90_000);

  it('--soak: samples RSS, heap and event-loop delay every 10 s and prints their slopes (no growth is asserted: figures, not timing)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-bench-'));
    const json = path.join(dir, 'soak.json');
    const run = await runCli(['bench', '--soak', '20s', '--participants', '10', '--partitions', '1', '--json', json], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/soak: 10 participants, 1 partitions, 20s, a sample every 10s/);
    expect(run.stdout).toMatch(/slope \(least squares.*\): engines RSS [-+][\d.]+ MB\/min \(outside the V8 heap [-+][\d.]+ MB\/min\), heap [-+][\d.]+ MB\/min \| probe RSS [-+][\d.]+ MB\/min/);
    const soak = JSON.parse(await readFile(json, 'utf8')) as { samples: { at_s: number; engine_rss_mb: number | null; engine_heap_mb: number | null; engine_heap_total_mb: number | null; engine_external_mb: number | null; probe_heap_mb: number; probe_heap_total_mb: number; probe_array_buffers_mb: number; packets_received: number }[]; slope_per_min: Record<string, number | null> };
    // Samples at about 10 s and 20 s (a busy machine may miss the last before the run ends).
    expect(soak.samples.length).toBeGreaterThanOrEqual(1);
    const first = soak.samples[0];
    expect(first.at_s).toBeGreaterThanOrEqual(9);
    expect(first.engine_rss_mb).toBeGreaterThan(10);
    expect(first.engine_heap_mb).toBeGreaterThan(1);
    expect(first.probe_heap_mb).toBeGreaterThan(1);
    expect(first.packets_received).toBeGreaterThan(0);
    expect(Object.keys(soak.slope_per_min).sort()).toEqual(['engine_heap_mb', 'engine_rss_mb', 'engine_rss_outside_v8_heap_mb', 'event_loop_delay_p99_ms', 'probe_heap_mb', 'probe_rss_mb', 'probe_rss_outside_v8_heap_mb']);
    // Where RSS goes: V8 heap committed (at least what is in use) and memory outside it (the clip, batches, per-window tables).
    expect(first.engine_heap_total_mb).toBeGreaterThanOrEqual(first.engine_heap_mb!);
    expect(first.engine_external_mb).toBeGreaterThan(1);
    expect(first.probe_heap_total_mb).toBeGreaterThanOrEqual(first.probe_heap_mb);
    expect(first.probe_array_buffers_mb).toBeGreaterThan(0);
  }, 120_000);

  it('--hot-path: the feedback loop on and off in one process without I/O, every packet delivered, and with loss the loop answers NACKs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-bench-'));
    const json = path.join(dir, 'hot.json');
    const run = await runCli(['bench', '--hot-path', '--participants', '4', '--duration', '2s', '--runs', '1', '--loss', '2', '--json', json], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/engine CPU us per packet/);
    expect(run.stdout).toMatch(/receiver CPU us per packet/);
    const summary = JSON.parse(await readFile(json, 'utf8')) as {
      runs: number;
      passes: { feedback: boolean; datagrams_sent: number; datagrams_delivered: number; rtcp_to_participants: number; engine_cpu_us_per_packet: number }[];
    };
    expect(summary.runs).toBe(1);
    const on = summary.passes.find((p) => p.feedback)!;
    const off = summary.passes.find((p) => !p.feedback)!;
    for (const pass of [on, off]) {
      // 2 % dropped on the way, deterministically (every 50th packet).
      expect(pass.datagrams_delivered).toBe(pass.datagrams_sent - Math.floor(pass.datagrams_sent / 50));
      expect(pass.engine_cpu_us_per_packet).toBeGreaterThan(0);
    }
    // With the loop on, the probe's reports and NACKs reach the participants, whose answers (RTX)
    // add packets to the wire; open loop, nothing comes back.
    expect(on.rtcp_to_participants).toBeGreaterThan(0);
    expect(off.rtcp_to_participants).toBe(0);
    expect(on.datagrams_sent).toBeGreaterThan(off.datagrams_sent);
  }, 120_000);
});

describe('avcm bench --simulcast (smoke)', () => {
  it('every participant sends the three shipped layers: the figures say so and count their packets; no naive baseline', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-bench-sim-'));
    const json = path.join(dir, 'bench.json');
    const run = await runCli(['bench', '--simulcast', '--participants', '4', '--duration', '2s', '--partitions', '1', '--json', json], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/simulcast \(3 layers\)\s+true/);
    expect(run.stdout).not.toMatch(/naive baseline/);
    const figures = JSON.parse(await readFile(json, 'utf8')) as Record<string, number | boolean | null>;
    expect(figures.simulcast).toBe(true);
    expect(figures.baseline).toBeNull();
    // The shipped clip: ~220 packets/s of 720p video and 50 of audio, plus the two smaller layers.
    expect(figures.packets_per_s_per_participant as number).toBeGreaterThan(300);
    expect(figures.packets_received as number).toBeGreaterThan(0);
    expect(figures.engine_cpu_us_per_packet).toEqual(expect.any(Number));
  }, 90_000);

  it('--no-probe --compare-io: send only to a counting sink, on both UDP I/O paths side by side', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-bench-'));
    const json = path.join(dir, 'send.json');
    const run = await runCli(['bench', '--no-probe', '--compare-io', '--no-baseline', '--participants', '4', '--duration', '2s', '--partitions', '1', '--json', json], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/send only/);
    // The default path first (batched, or dgram where AVCM_IO=dgram), then the other.
    expect(run.stdout).toMatch(/avcm (batched +avcm dgram|dgram +avcm batched)/);
    const figures = JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown> & { other_io: Record<string, unknown> };
    expect(figures.receiver).toBe('sink');
    expect(figures.feedback).toBe(false);
    expect([figures.io_engines, figures.other_io.io_engines].sort()).toEqual(['batched', 'dgram']);
    // The sink counts what arrives: (nearly) everything the engines sent over loopback.
    for (const f of [figures, figures.other_io]) expect(f.packets_received as number).toBeGreaterThan(0.9 * (f.packets_sent as number));
  }, 120_000);
});

describe('avcm bench --transport webrtc (smoke)', () => {
  it('WebRTC participants on the native media path and on werift\'s, side by side: each column says which path ran and every packet sent was measured', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-bench-webrtc-'));
    const json = path.join(dir, 'bench.json');
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.AVCM_IO;
    const run = await runCli(['bench', '--transport', 'webrtc', '--participants', '2', '--duration', '3s', '--partitions', '1', '--json', json], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/native media\s+werift media/);
    expect(run.stdout).toMatch(/participants per core/);
    const figures = JSON.parse(await readFile(json, 'utf8')) as { native: Record<string, unknown>; werift: Record<string, unknown> };
    expect(figures.native).toMatchObject({ transport: 'webrtc', io_engines: 'webrtc-batched', io_probe: 'webrtc-batched', participants: 2 });
    expect(figures.werift).toMatchObject({ transport: 'webrtc', io_engines: 'webrtc', io_probe: 'webrtc', participants: 2 });
    for (const column of [figures.native, figures.werift]) {
      expect(column.packets_received as number).toBeGreaterThan(0);
      expect(column.participants_per_core).toEqual(expect.any(Number));
      expect(column.engine_cpu_us_per_packet).toEqual(expect.any(Number));
    }
  }, 180_000);

  it('--transport other than udp or webrtc is a usage error', async () => {
    const run = await runCli(['bench', '--transport', 'sctp'], { cwd: os.tmpdir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('expected udp or webrtc');
  });
});
