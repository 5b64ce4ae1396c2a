import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertOriginalConfig } from '../../../src/migrate/index.js';
import { compile } from '../../../src/plan/index.js';
import { parseScenarioText, validateLoaded } from '../../../src/scenario/index.js';
import { runCli } from '../../helpers/cli.js';

/** The original platform's config/config.json as it ships (its shape and values). */
const ORIGINAL = {
  base_url: 'http://localhost:8080',
  media_path: 'public/rick-roll.mp4',
  num_participants: 1500,
  duration_seconds: 600,
  spikes: {
    count: 70,
    interval_seconds: 5,
    types: {
      rtp_packet_loss: { weight: 20, params: { loss_percentage_min: 1, loss_percentage_max: 25, patterns: ['random', 'burst'] } },
      network_jitter: { weight: 50, params: { base_latency_ms_min: 50, base_latency_ms_max: 150, jitter_std_dev_ms_min: 100, jitter_std_dev_ms_max: 300 } },
      frame_drop: { weight: 15, params: { drop_percentage_min: 10, drop_percentage_max: 60 } },
      bitrate_reduce: { weight: 15, params: { reduction_percent_min: 30, reduction_percent_max: 80, transition_seconds_min: 1, transition_seconds_max: 5 } },
    },
    duration_seconds_min: 5,
    duration_seconds_max: 15,
    participant_selection: { single_weight: 40, multiple_weight: 35, all_weight: 25, multiple_count_min: 2, multiple_count_max: 5 },
  },
  spike_distribution: { strategy: 'legacy', min_spacing_seconds: 5, jitter_percent: 15 },
  metrics: { display_interval_seconds: 2 },
};

describe('avcm import: the original chaos-test config as a scenario', () => {
  it('maps every field to the language: a weighted pool of types, weighted participant selection, the ticker', () => {
    const { document, notes } = convertOriginalConfig(ORIGINAL, 'imported-config');
    expect(document).toMatchObject({ name: 'imported-config', duration: '10m', participants: { count: 1500 }, media: { video: { file: 'public/rick-roll.mp4' } } });
    expect(document.spikes).toEqual([
      {
        count: 70,
        duration: { min: '5s', max: '15s' },
        pool: [
          { type: 'rtp_packet_loss', weight: 10, loss_percentage: { min: 1, max: 25 }, pattern: 'random' },
          { type: 'rtp_packet_loss', weight: 10, loss_percentage: { min: 1, max: 25 }, pattern: 'burst' },
          { type: 'network_jitter', weight: 50, base_latency_ms: { min: 50, max: 150 }, jitter_std_dev_ms: { min: 100, max: 300 } },
          { type: 'frame_drop', weight: 15, drop_percentage: { min: 10, max: 60 } },
          { type: 'bitrate_reduce', weight: 15, reduction_percent: { min: 30, max: 80 }, transition: { min: '1s', max: '5s' } },
        ],
        participants: { pool: [{ weight: 40, participants: 1 }, { weight: 35, participants: { min: 2, max: 5 } }, { weight: 25, participants: 'all' }] },
      },
    ]);
    // The original's ticker: a spike every interval, the first one interval in.
    expect(document.distribution).toEqual({ strategy: 'legacy', min_spacing: '5s', jitter_percent: 15, interval: '5s' });
    expect(notes.join('\n')).toMatch(/base_url .* not needed/);
  });

  it("takes the original's defaults for what is left out, and caps what would not fit the run (saying so)", () => {
    const { document, notes } = convertOriginalConfig({ num_participants: 3, duration_seconds: 60, spikes: { count: 40, participant_selection: { single_weight: 1, multiple_weight: 1, multiple_count_min: 2, multiple_count_max: 9 } } }, 'x');
    const entry = document.spikes![0] as { count: number; duration: unknown; pool: { type: string; weight: number }[]; participants: unknown };
    expect(entry.duration).toEqual({ min: '2s', max: '8s' }); // defaults 2..8 s
    expect(entry.pool.map((p) => [p.type, p.weight])).toEqual([['rtp_packet_loss', 20], ['rtp_packet_loss', 20], ['network_jitter', 20], ['frame_drop', 20], ['bitrate_reduce', 20]]);
    expect(entry.participants).toEqual({ pool: [{ weight: 1, participants: 1 }, { weight: 1, participants: { min: 2, max: 3 } }] });
    // 5 s apart from 5 s, each up to 8 s, in 60 s: 10 fit.
    expect(entry.count).toBe(10);
    expect(notes.join('\n')).toMatch(/40 spikes 5s apart \(each up to 8s\) do not fit 60s: 10 do/);
    expect(notes.join('\n')).toMatch(/multiple_count_max 9 is above the 3 participants; capped/);
  });

  it('the conversion of the shipped config validates and compiles; its events follow the weights', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-import-'));
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ ...ORIGINAL, num_participants: 50, spikes: { ...ORIGINAL.spikes, count: 2000 }, duration_seconds: 20_000 }));
    const run = await runCli(['import', 'config.json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^# Imported by avcm import from config\.json/);
    const validated = validateLoaded(parseScenarioText(run.stdout, 'imported.yaml'));
    expect(validated.problems).toEqual([]);
    const plan = compile(validated.scenario!, { partitions: 1, cores: 1 });
    expect(plan.spikes).toHaveLength(2000);
    const share = (predicate: (s: (typeof plan.spikes)[number]) => boolean) => plan.spikes.filter(predicate).length / plan.spikes.length;
    // 5 standard deviations over 2000 draws: < 0.056.
    expect(Math.abs(share((s) => s.type === 'network_jitter') - 0.5)).toBeLessThan(0.056);
    expect(Math.abs(share((s) => s.type === 'rtp_packet_loss' && s.params.pattern === 'burst') - 0.1)).toBeLessThan(0.056);
    expect(Math.abs(share((s) => s.participantIds.length === 1) - 0.4)).toBeLessThan(0.056);
    expect(Math.abs(share((s) => s.participantIds.length === 50) - 0.25)).toBeLessThan(0.056);
    expect(plan.spikes.slice(0, 3).map((s) => s.startMs)).toEqual([5000, 10_000, 15_000]);
  });

  it('refuses what is not a chaos-test config (exit 2), and writes -o FILE', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-import-'));
    await writeFile(path.join(dir, 'bad.json'), JSON.stringify({ num_participants: 'many', spikes: { types: { frame_drop: { weight: -1 } } } }));
    const bad = await runCli(['import', 'bad.json'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/num_participants: expected a number >= 0, found "many"[\s\S]*spikes\.types\.frame_drop\.weight: expected a number >= 0, found -1/);
    await writeFile(path.join(dir, 'zero.json'), JSON.stringify({ spikes: { types: { frame_drop: { weight: 0 } } } }));
    expect((await runCli(['import', 'zero.json'], { cwd: dir })).stderr).toMatch(/no spike type has a weight above 0/);
    expect((await runCli(['import', 'missing.json'], { cwd: dir })).code).toBe(2);
    await writeFile(path.join(dir, 'c.json'), JSON.stringify({ num_participants: 4, duration_seconds: 30 }));
    const written = await runCli(['import', 'c.json', '-o', 'out/c.yaml', '--name', 'my-gate'], { cwd: dir });
    expect(written.code, written.stderr).toBe(0);
    expect(await readFile(path.join(dir, 'out/c.yaml'), 'utf8')).toMatch(/^name: my-gate$/m);
  });
});
