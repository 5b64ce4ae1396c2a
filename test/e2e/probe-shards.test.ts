import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';

// A whole `avcm test` of 20 participants of the shipped clip, measured by one probe and by a probe
// sharded over two worker threads: the same packets are lost (open loop: the loss stage's draws are
// a function of the seed and the media packets alone), so every stream's totals and the verdict
// must come out the same. Video only: a participant's audio and video packets draw from one loss
// stream in the order they leave, which varies by microseconds between runs, so with both media
// the per-participant loss is the same but its split between audio and video is not.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-shards-'));
});

async function scenario(shards: number): Promise<string> {
  const file = path.join(dir, `shards-${shards}.yaml`);
  await writeFile(
    file,
    `version: 1
name: shards-${shards}
seed: 11
duration: 6s
participants: { count: 20, base_port: 0, rtcp: false, audio: false }
probe: { nack: false, pli: false, jitter_buffer: false, report_interval: false, shards: ${shards} }
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

describe('avcm test with probe.shards', () => {
  it('20 participants measured by 1 and by 2 probe shards: the same per-stream totals and the same verdict', async () => {
    const measured: RunResult[] = [];
    for (const shards of [1, 2]) {
      const run = await runCli(['test', await scenario(shards), '--out-dir', path.join(dir, `out-${shards}`), '--partitions', '2', '--io', 'batched'], { cwd: dir });
      expect(run.code, run.stderr + run.stdout).toBe(1); // the loss spike fails the during_spikes assertion
      expect(run.stdout + run.stderr).toContain(shards === 2 ? 'probe sharded over 2 worker threads' : 'participants');
      if (shards === 1) expect(run.stdout + run.stderr).not.toContain('probe sharded');
      if (shards === 2) {
        // The kernel spread the 20 participants' sources over both shards (all on one: probability 2^-19).
        const spread = /probe shards measured (\d+) \+ (\d+) streams/.exec(run.stdout + run.stderr);
        expect(spread, run.stdout + run.stderr).not.toBeNull();
        expect([Number(spread![1]) > 0, Number(spread![2]) > 0, Number(spread![1]) + Number(spread![2])]).toEqual([true, true, 20]);
      }
      measured.push(JSON.parse(await readFile(path.join(dir, `out-${shards}`, `shards-${shards}.json`), 'utf8')) as RunResult);
    }
    const [one, two] = measured;
    expect(two.io).toEqual({ engines: 'batched', probe: 'batched' });
    expect(two.totals.packetsSent).toBe(one.totals.packetsSent);
    expect(two.totals.packetsReceived).toBe(one.totals.packetsReceived);
    expect(two.totals.packetsLost).toBe(one.totals.packetsLost);
    expect(two.totals.bytesReceived).toBe(one.totals.bytesReceived);
    expect(two.totals.kernelDrops).toBe(0);
    expect(one.totals.packetsLost).toBeGreaterThan(0);
    const perStream = (r: RunResult) => r.streams.map((s) => ({ participantId: s.participantId, media: s.media, ssrc: s.ssrc, received: s.received, lost: s.lost }));
    expect(perStream(two)).toEqual(perStream(one));
    expect(two.streams).toHaveLength(20);
    expect(two.status).toBe(one.status);
    expect(two.assertions.map((a) => [a.name, a.passed])).toEqual(one.assertions.map((a) => [a.name, a.passed]));
  }, 120_000);
});
