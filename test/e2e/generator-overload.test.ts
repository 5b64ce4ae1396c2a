import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.js';
import { childProcesses, waitFor } from '../helpers/child-processes.js';
import { spawnCli } from '../helpers/spawn-cli.js';

// The load generator's own trouble must never become a verdict about the system under test: a
// clean run whose engine is starved is inconclusive (exit 3, E_GENERATOR_OVERLOAD), never failed.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-overload-'));
});

const STALL_MS = 2_000;

describe('a clean run on an overloaded generator', () => {
  it('an engine starved for 2 s (SIGSTOP, as a hogged CPU would) makes the assertions inconclusive: exit 3 with E_GENERATOR_OVERLOAD naming the partition and windows, never exit 1', async () => {
    const file = path.join(dir, 'starved.yaml');
    // Nothing impairs the network: whatever jitter, loss or frame-rate dip the probe measures is the
    // starved engine's own doing.
    await writeFile(
      file,
      `version: 1
name: starved
seed: 5
duration: 12s
participants: { count: 4, base_port: 0 }
assertions:
  packet_loss_percent: ["max < 0.5"]
  jitter_ms: ["p95 < 10"]
  freeze_ms: ["max < 500"]
`,
    );
    const out = path.join(dir, 'out');
    const cli = spawnCli(['test', file, '--out-dir', out, '--partitions', '2'], { cwd: dir, timeoutMs: 120_000 });
    await waitFor(() => cli.output().includes('ready, sending'), 60_000, 'the run to start');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const engine = childProcesses(cli.child.pid!).find((p) => p.argv.includes('agent') && p.argv[p.argv.indexOf('--partition') + 1] === '1');
    expect(engine, 'the engine process of partition 1').toBeDefined();
    process.kill(engine!.pid, 'SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, STALL_MS));
    } finally {
      process.kill(engine!.pid, 'SIGCONT');
    }

    const exit = await cli.done;
    const output = exit.stdout + exit.stderr;
    expect(exit.code, output).toBe(3);
    // Other figures or parts may be named too on a busy machine; partition 1's lateness always is.
    expect(exit.stderr).toMatch(/E_GENERATOR_OVERLOAD: .*partition 1 in windows? [\d, -]+ \([^)]*pacing lateness p99 \d+(\.\d+)? ms > 25 ms/);
    expect(exit.stderr).toMatch(/hint: give each engine fewer participants/);
    expect(exit.stdout).toMatch(/starved: INCONCLUSIVE/);

    const r = JSON.parse(await readFile(path.join(out, 'starved.json'), 'utf8')) as RunResult;
    expect(r.status).toBe('inconclusive');
    expect(r.errorCode).toBe('E_GENERATOR_OVERLOAD');
    // Every assertion samples partition 1's streams over the whole run. The viewer froze for about
    // the stall: that limit is not judged. Loss and jitter limits met through the stall stand (a
    // stall can only add loss and jitter), and say so; whatever the machine, none failed.
    const freeze = r.assertions.find((a) => a.metric === 'freeze_ms')!;
    expect(freeze.inconclusive, freeze.message).toBeDefined();
    expect(freeze.inconclusive!.partitions).toContain(1);
    for (const a of r.assertions.filter((a) => a.metric !== 'freeze_ms')) {
      if (a.inconclusive) expect(a.inconclusive.partitions, a.name).toContain(1);
      else expect(a.message).toMatch(/passed although the load generator was unhealthy in \d+ of the \d+ windows it depends on \(.*partitions? (0, )?1.*\): that can only have made \w+ worse/);
    }
    // The stall shows where it happened: partition 1 late by about the stall in a window or two.
    const stalled = r.health!.unhealthy.filter((u) => u.partition === 1 && u.causes.some((c) => c.figure === 'pacing_lateness'));
    expect(stalled.length).toBeGreaterThanOrEqual(1);
    const worst = Math.max(...stalled.flatMap((u) => u.causes.filter((c) => c.figure === 'pacing_lateness').map((c) => c.value)));
    expect(worst).toBeGreaterThan(STALL_MS / 2);
    // Every figure is in the JSON report, each partition and the probe window by window.
    expect(r.health!.engines.map((e) => e.partition)).toEqual([0, 1]);
    expect(r.health!.probe.length).toBeGreaterThanOrEqual(12);
    expect(r.timeline.some((p) => (p.healthUnhealthyParts ?? 0) > 0)).toBe(true);

    const junit = await readFile(path.join(out, 'starved.xml'), 'utf8');
    expect(junit).toMatch(/<error message="[^"]*\(partitions? (0, )?1[ :][^"]*" type="GeneratorOverload"/);
    expect(junit).not.toContain('<failure');
    const html = await readFile(path.join(out, 'starved.html'), 'utf8');
    expect(html).toContain('<section id="health">');
  }, 150_000);
});
