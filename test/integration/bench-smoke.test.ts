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
