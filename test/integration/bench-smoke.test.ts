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
});
