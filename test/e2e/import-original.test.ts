import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';

describe('avcm import, then avcm test', () => {
  it("a config in the original platform's shape converts to a scenario that runs: its spikes on the ticker, drawn from the weighted pools", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-import-run-'));
    await writeFile(
      path.join(dir, 'config.json'),
      JSON.stringify({
        base_url: 'http://localhost:8080',
        num_participants: 4,
        duration_seconds: 16,
        spikes: {
          count: 3,
          interval_seconds: 4,
          types: {
            rtp_packet_loss: { weight: 40, params: { loss_percentage_min: 5, loss_percentage_max: 10, patterns: ['random', 'burst'] } },
            network_jitter: { weight: 30, params: { base_latency_ms_min: 10, base_latency_ms_max: 20, jitter_std_dev_ms_min: 2, jitter_std_dev_ms_max: 5 } },
            frame_drop: { weight: 15, params: { drop_percentage_min: 10, drop_percentage_max: 20 } },
            bitrate_reduce: { weight: 15, params: { reduction_percent_min: 30, reduction_percent_max: 50, transition_seconds_min: 1, transition_seconds_max: 1 } },
          },
          duration_seconds_min: 2,
          duration_seconds_max: 3,
          participant_selection: { single_weight: 40, multiple_weight: 35, all_weight: 25, multiple_count_min: 2, multiple_count_max: 3 },
        },
        spike_distribution: { strategy: 'legacy', min_spacing_seconds: 5, jitter_percent: 15 },
        metrics: { display_interval_seconds: 2 },
      }),
    );
    const converted = await runCli(['import', 'config.json', '--name', 'from-original'], { cwd: dir });
    expect(converted.code, converted.stderr).toBe(0);
    // Ephemeral source ports so the run sits next to anything else on this machine.
    await writeFile(path.join(dir, 'from-original.yaml'), converted.stdout.replace('participants:\n  count: 4\n', 'participants:\n  count: 4\n  base_port: 0\n'));
    const run = await runCli(['test', 'from-original.yaml', '--out-dir', 'out', '--partitions', '1', '--quiet'], { cwd: dir });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const r = JSON.parse(await readFile(path.join(dir, 'out', 'from-original.json'), 'utf8')) as RunResult;
    expect(r.status).toBe('passed');
    expect(r.spikes.map((s) => s.startMs)).toEqual([4000, 8000, 12_000]);
    for (const s of r.spikes) {
      expect(['rtp_packet_loss', 'network_jitter', 'frame_drop', 'bitrate_reduce']).toContain(s.type);
      expect([1, 2, 3, 4]).toContain(s.participantIds.length);
      expect(s.endMs - s.startMs).toBeGreaterThanOrEqual(2000);
      expect(s.endMs - s.startMs).toBeLessThanOrEqual(3000);
    }
    expect(r.streams).toHaveLength(8);
    expect(r.totals.packetsReceived).toBeGreaterThan(1000);
  }, 120_000);
});
