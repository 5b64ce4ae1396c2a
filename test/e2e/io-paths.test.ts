import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';

// Whole `avcm test` runs on each UDP I/O path: engines and probe on the batched layer or on
// node:dgram must measure the same thing, and the fallback must say so once and be recorded.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-io-'));
});

/**
 * Open loop (no RTCP): the loss stage's random draws are then a function of the seed and the media
 * packets alone, so both paths lose exactly the same packets (with feedback, RTCP and
 * retransmissions also draw, and their timing differs between runs).
 */
async function lossScenario(name: string): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(
    file,
    `version: 1
name: ${name}
seed: 7
duration: 6s
participants: { count: 4, base_port: 0, rtcp: false }
health: { inconclusive: false }
probe: { nack: false, pli: false, jitter_buffer: false, report_interval: false }
spikes:
  - type: rtp_packet_loss
    at: 2s
    duration: 3s
    loss_percentage: 10
assertions:
  during_spikes:
    packet_loss_percent: ["avg < 5"]
  baseline:
    packet_loss_percent: ["max < 0.5"]
`,
  );
  return file;
}

async function result(outDir: string, name: string): Promise<RunResult> {
  return JSON.parse(await readFile(path.join(dir, outDir, `${name}.json`), 'utf8')) as RunResult;
}

const NOTICE = 'avcm: batched UDP I/O unavailable (disabled by AVCM_NATIVE_DISABLE); using node:dgram';

describe('avcm test on both UDP I/O paths', () => {
  it('a 10% loss spike measures the same with --io batched and --io dgram', async () => {
    const file = await lossScenario('loss-io');
    const measured: Record<string, RunResult> = {};
    for (const io of ['batched', 'dgram'] as const) {
      const run = await runCli(['test', file, '--out-dir', path.join(dir, io), '--partitions', '2', '--io', io], { cwd: dir });
      expect(run.code, run.stderr + run.stdout).toBe(1);
      expect(run.stdout).toContain(`io ${io})`);
      measured[io] = await result(io, 'loss-io');
      expect(measured[io].io).toEqual({ engines: io, probe: io });
    }
    const [batched, dgram] = [measured.batched, measured.dgram];
    // The same packets left and the same were lost: the I/O path changes nothing on the wire.
    expect(batched.totals.packetsSent).toBe(dgram.totals.packetsSent);
    expect(batched.totals.packetsReceived).toBe(dgram.totals.packetsReceived);
    expect(batched.totals.packetsLost).toBe(dgram.totals.packetsLost);
    expect(batched.totals.packetsReceived).toBe(batched.totals.packetsSent);
    expect(batched.totals.kernelDrops).toBe(0);
    expect(dgram.totals.kernelDrops).toBeNull();
    const spikeLoss = (r: RunResult): number => r.assertions.find((a) => a.name === 'during_spikes packet_loss_percent avg < 5')!.measured!;
    expect(spikeLoss(batched)).toBeGreaterThan(7);
    expect(spikeLoss(batched)).toBeLessThan(13);
    // Windows are assigned by arrival time, which differs by microseconds between runs: per-window figures agree closely, not exactly.
    expect(Math.abs(spikeLoss(batched) - spikeLoss(dgram))).toBeLessThan(1);
    for (const r of [batched, dgram]) expect(r.assertions.find((a) => a.name === 'baseline packet_loss_percent max < 0.5')!.passed).toBe(true);
  });

  it('without the addon (AVCM_NATIVE_DISABLE=1) the run says so once, falls back to dgram and records it', async () => {
    const file = await lossScenario('fallback');
    const env: NodeJS.ProcessEnv = { ...process.env, AVCM_NATIVE_DISABLE: '1' };
    delete env.AVCM_IO;
    const run = await runCli(['test', file, '--out-dir', path.join(dir, 'fallback'), '--partitions', '2'], { cwd: dir, env });
    expect(run.code, run.stderr + run.stdout).toBe(1);
    // One line for the run, not one per partition.
    expect(run.stderr.split('\n').filter((line) => line.includes('batched UDP I/O unavailable'))).toEqual([NOTICE]);
    expect(run.stdout).toContain('io dgram)');
    expect((await result('fallback', 'fallback')).io).toEqual({ engines: 'dgram', probe: 'dgram' });
  });

  it('AVCM_IO=dgram picks dgram without a notice; --io wins over AVCM_IO', async () => {
    const file = await lossScenario('env-dgram');
    const run = await runCli(['test', file, '--out-dir', path.join(dir, 'env-dgram'), '--partitions', '1'], { cwd: dir, env: { ...process.env, AVCM_IO: 'dgram' } });
    expect(run.code, run.stderr + run.stdout).toBe(1);
    expect(run.stderr).not.toContain('unavailable');
    expect((await result('env-dgram', 'env-dgram')).io).toEqual({ engines: 'dgram', probe: 'dgram' });

    const flag = await runCli(['test', file, '--out-dir', path.join(dir, 'flag-wins'), '--partitions', '1', '--io', 'batched'], { cwd: dir, env: { ...process.env, AVCM_IO: 'dgram' } });
    expect(flag.code, flag.stderr + flag.stdout).toBe(1);
    expect((await result('flag-wins', 'env-dgram')).io).toEqual({ engines: 'batched', probe: 'batched' });
  });

  it('--io batched where the addon cannot load is a usage error naming the reason (exit 2), and a bad AVCM_IO too', async () => {
    const file = await lossScenario('forced');
    const run = await runCli(['test', file, '--out-dir', path.join(dir, 'forced'), '--io', 'batched'], { cwd: dir, env: { ...process.env, AVCM_NATIVE_DISABLE: '1' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--io batched: the batched UDP addon is not available here: disabled by AVCM_NATIVE_DISABLE');
    const bad = await runCli(['test', file, '--out-dir', path.join(dir, 'forced')], { cwd: dir, env: { ...process.env, AVCM_IO: 'fast' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('AVCM_IO=fast: expected batched, dgram or auto');
  });
});
