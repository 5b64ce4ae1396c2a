import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';

// Trace replay measured: real engine processes replay a trace on every packet of the targeted
// participants; the probe, which knows nothing of the trace, must see its loss, delay and bandwidth.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-trace-e2e-'));
});

async function run(name: string, spike: string, files: Record<string, string>): Promise<RunResult> {
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
  await writeFile(
    path.join(dir, `${name}.yaml`),
    // Open loop (no RTCP): every byte through the trace's bottleneck is media the probe counts, none
    // is a retransmission competing for the link (which the replay would impose on those too).
    `version: 1\nname: ${name}\nseed: 21\nduration: 11s\nparticipants: { count: 2, base_port: 0, rtcp: false }\nprobe: { nack: false, pli: false }\nscaling: { partitions: 1 }\nspikes:\n${spike}assertions:\n  frame_rate_fps: ["avg > 1"]\n`,
  );
  const result = await runCli(['test', `${name}.yaml`, '--out-dir', 'out', '--quiet'], { cwd: dir });
  expect(result.code, result.stderr + result.stdout).toBe(0);
  return JSON.parse(await readFile(path.join(dir, 'out', `${name}.json`), 'utf8')) as RunResult;
}

describe('trace spikes, measured at the probe', () => {
  it('a timeline: the probe sees each row of the trace (delay, then loss, then a bandwidth cap) in the seconds it was replayed', async () => {
    // Trace time 0-2 s clean, 2-4 s +80 ms, 4-6 s 20 % loss, 6-8 s 800 kbit/s; from run time 1 s.
    const r = await run('timeline', '  - { type: trace, at: 1s, file: drive.csv }\n', {
      'drive.csv': 't_ms,loss_percent,delay_ms,jitter_ms,bandwidth_kbps\n0,,,,\n2000,,80,,\n4000,20,,,\n6000,,,,800\n8000,,,,\n',
    });
    expect(r.spikes.map((s) => [s.type, s.startMs, s.endMs, s.params.traceFile])).toEqual([['trace', 1000, 9000, 'drive.csv']]);
    const at = (second: number) => r.timeline.find((p) => p.t === second)!;
    for (const s of [1, 2]) expect(at(s).delayMs!, `${s} s`).toBeLessThan(10);
    for (const s of [3, 4]) {
      expect(at(s).delayMs!, `${s} s`).toBeGreaterThan(75);
      expect(at(s).delayMs!, `${s} s`).toBeLessThan(100);
    }
    for (const s of [1, 2]) expect(at(s).packetLossPercent!, `${s} s`).toBeLessThan(0.5);
    // Rows change within a few ms of the window edges (the engine's and the probe's clocks), so a
    // window next to the loss row may hold a few of its losses.
    for (const s of [3, 4]) expect(at(s).packetLossPercent!, `${s} s`).toBeLessThan(3);
    for (const s of [5, 6]) {
      expect(at(s).packetLossPercent!, `${s} s`).toBeGreaterThan(13);
      expect(at(s).packetLossPercent!, `${s} s`).toBeLessThan(27);
    }
    // 800 kbit/s per participant (its video and audio share the link), 2 participants.
    const perParticipant = at(8).bitrateKbps / 2;
    expect(perParticipant).toBeLessThan(800 * 1.1);
    expect(perParticipant).toBeGreaterThan(800 * 0.7);
    expect(at(8).packetLossPercent!).toBeGreaterThan(30); // a 2.6 Mbit/s sender through 0.8 Mbit/s
    // The spike ends at 9 s; what its queue held drains in the next window; then the path is clean.
    expect(at(10).packetLossPercent!).toBeLessThan(0.5);
    expect(at(10).delayMs!).toBeLessThan(10);
  }, 120_000);

  it('a Mahimahi trace: what arrives is held to the trace rate, queued up to the bound, the rest lost', async () => {
    // One 1500-byte opportunity every 12 ms: 1 Mbit/s, repeating every 1200 ms.
    const opportunities = Array.from({ length: 100 }, (_, i) => (i + 1) * 12).join('\n');
    const r = await run('mahimahi', '  - { type: trace, at: 2s, duration: 6s, file: link.mahimahi, queue: 250ms }\n', { 'link.mahimahi': `${opportunities}\n` });
    const at = (second: number) => r.timeline.find((p) => p.t === second)!;
    for (const s of [3, 4, 5, 6]) {
      const perParticipant = at(s).bitrateKbps / 2;
      expect(perParticipant, `${s} s`).toBeLessThan(1000 * 1.1);
      expect(perParticipant, `${s} s`).toBeGreaterThan(1000 * 0.7);
      expect(at(s).packetLossPercent!, `${s} s`).toBeGreaterThan(30);
      // Queueing shows as delay: between the 12 ms spacing and the 250 ms bound.
      expect(at(s).delayMs!, `${s} s`).toBeGreaterThan(20);
      expect(at(s).delayMs!, `${s} s`).toBeLessThan(260);
    }
    for (const s of [0, 1, 10]) expect(at(s).packetLossPercent!, `${s} s`).toBeLessThan(0.5);
  }, 120_000);

  it('avcm trace export writes a run as a trace that validates and replays', async () => {
    const exported = await runCli(['trace', 'export', 'out/timeline.json', '-o', 'exported.csv'], { cwd: dir });
    expect(exported.code, exported.stderr).toBe(0);
    const csv = await readFile(path.join(dir, 'exported.csv'), 'utf8');
    expect(csv).toMatch(/^# exported by avcm trace export from out\/timeline\.json/);
    expect(csv).toContain('t_ms,loss_percent,delay_ms,jitter_ms,bandwidth_kbps\n0,');
    const rows = csv.split('\n').filter((l) => /^\d/.test(l));
    expect(rows).toHaveLength(12); // 11 windows and the end row
    expect(rows.at(-1)).toBe('11000,,,,');
    await writeFile(path.join(dir, 'replay.yaml'), 'version: 1\nname: replay\nduration: 12s\nparticipants: { count: 1, base_port: 0 }\nspikes:\n  - { type: trace, at: 1s, file: exported.csv }\n');
    const validated = await runCli(['validate', 'replay.yaml'], { cwd: dir });
    expect(validated.code, validated.stderr).toBe(0);
    const json = await runCli(['trace', 'export', 'out/timeline.json', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toMatchObject({ format: 'avcm-network-trace', version: 1, end_ms: 11_000 });
  }, 60_000);
});
