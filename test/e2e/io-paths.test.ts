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

/** A clean WebRTC run (participants -> the built-in WebRTC probe): nothing may be lost on loopback. */
async function webrtcScenario(name: string): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(
    file,
    `version: 1
name: ${name}
seed: 7
duration: 5s
participants: { count: 2, transport: webrtc, base_port: 0 }
assertions:
  packet_loss_percent: ["max < 1"]
`,
  );
  return file;
}

describe('avcm test with WebRTC participants on both media paths', () => {
  it('by default the media runs on the native path (werift does ICE and DTLS only); --io dgram keeps werift\'s media path; both measure a clean run', async () => {
    const file = await webrtcScenario('webrtc-io');
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.AVCM_IO;
    const native = await runCli(['test', file, '--out-dir', path.join(dir, 'webrtc-auto'), '--partitions', '1'], { cwd: dir, env });
    expect(native.code, native.stderr + native.stdout).toBe(0);
    expect(native.stdout).toContain('io webrtc-batched)');
    const n = await result('webrtc-auto', 'webrtc-io');
    expect(n.io).toEqual({ engines: 'webrtc-batched', probe: 'webrtc-batched', webrtcMedia: { participantsNative: 2, participantsWerift: 0, probeNative: 2, probeWerift: 0, probeBroken: 0, reasons: [] } });

    const werift = await runCli(['test', file, '--out-dir', path.join(dir, 'webrtc-dgram'), '--partitions', '1', '--io', 'dgram'], { cwd: dir, env });
    expect(werift.code, werift.stderr + werift.stdout).toBe(0);
    expect(werift.stderr).not.toContain('unavailable');
    const w = await result('webrtc-dgram', 'webrtc-io');
    expect(w.io).toMatchObject({ engines: 'webrtc', probe: 'webrtc', webrtcMedia: { participantsNative: 0, participantsWerift: 2, probeNative: 0, probeWerift: 2, probeBroken: 0, reasons: [] } });
    for (const r of [n, w]) {
      expect(r.streams.filter((s) => s.participantId !== null)).toHaveLength(4);
      expect(r.totals.packetsReceived).toBeGreaterThan(0.99 * r.totals.packetsSent!);
    }
  }, 120_000);

  it('without the addon (AVCM_NATIVE_DISABLE=1) a WebRTC run says so in one line, keeps werift\'s media path and records it', async () => {
    const file = await webrtcScenario('webrtc-fallback');
    const env: NodeJS.ProcessEnv = { ...process.env, AVCM_NATIVE_DISABLE: '1' };
    delete env.AVCM_IO;
    const run = await runCli(['test', file, '--out-dir', path.join(dir, 'webrtc-fallback'), '--partitions', '1'], { cwd: dir, env });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stderr.split('\n').filter((line) => line.includes('unavailable'))).toEqual([`${NOTICE}; WebRTC media on werift`]);
    expect(run.stdout).toContain('io webrtc)');
    expect((await result('webrtc-fallback', 'webrtc-fallback')).io).toMatchObject({ engines: 'webrtc', probe: 'webrtc' });
  }, 120_000);
});
