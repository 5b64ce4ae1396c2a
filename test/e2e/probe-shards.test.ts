import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';

// A whole `avcm test` of 20 participants of the shipped clip, measured by one probe and by a probe
// sharded over two worker threads. Each probe must receive exactly the packets the engines put on
// the wire, and both must see the same streams with the same sequence spans and give the same
// verdict. Which packets the loss spike drops is the seed's, except for packets the engines send
// late at the spike's edges on a busy machine (the stage reads the clock), so per-stream loss may
// differ between two runs by a packet or two: that is the sender's, not the probe's, and exact
// per-stream equality of received/lost/bytes for identical traffic is the integration test's
// (test/integration/probe-shards). Video only keeps the streams' loss draws independent of how a
// participant's audio and video packets interleave.

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
  it('20 participants measured by 1 and by 2 probe shards: every packet sent counted, the same streams and sequence spans, the same verdict', async () => {
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
    for (const r of [one, two]) {
      // Every packet the engines sent arrived and was counted, by one receiver and by the shards.
      expect(r.totals.packetsReceived).toBe(r.totals.packetsSent);
      expect(r.streams.reduce((sum, s) => sum + s.received, 0)).toBe(r.totals.packetsSent);
      expect(r.totals.kernelDrops).toBe(0);
      expect(r.totals.packetsLost).toBeGreaterThan(0);
    }
    // The same streams, each with the same sequence span (received + lost: what its sender numbered).
    const spans = (r: RunResult) => r.streams.map((s) => ({ participantId: s.participantId, media: s.media, ssrc: s.ssrc, expected: s.received + s.lost }));
    expect(spans(two)).toEqual(spans(one));
    expect(two.streams).toHaveLength(20);
    expect(two.status).toBe(one.status);
    expect(two.assertions.map((a) => [a.name, a.passed])).toEqual(one.assertions.map((a) => [a.name, a.passed]));
  }, 120_000);
});
