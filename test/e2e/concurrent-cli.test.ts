import dgram from 'node:dgram';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';
import { spawnCli } from '../helpers/spawn-cli.js';

// Two `avcm test` processes on one CI machine: with the default (ephemeral) source ports both
// run; when both fix the same base_port, the second is told up front which ports clash and how
// to choose others, and so is a run whose ports another program holds.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-concurrent-'));
});

const held: dgram.Socket[] = [];
afterEach(async () => {
  for (const socket of held.splice(0)) await new Promise<void>((resolve) => socket.close(() => resolve()));
});

async function scenario(name: string, body: string): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, `version: 1\nname: ${name}\nseed: 5\n${body}`);
  return file;
}

/** A random base port below the system's ephemeral range (32768..), where no other test's sockets land by chance. */
function randomBase(): number {
  return 21_000 + Math.floor(Math.random() * 90) * 100;
}

describe('two avcm test processes started together', () => {
  it('with the default ephemeral ports both run and both get measured verdicts', async () => {
    const file = await scenario('twin', 'duration: 4s\nparticipants: { count: 2 }\nassertions:\n  packet_loss_percent: ["avg < 50"]\n');
    const runs = ['a', 'b'].map((out) => spawnCli(['test', file, '--out-dir', path.join(dir, out), '--partitions', '1'], { cwd: dir }));
    const exits = await Promise.all(runs.map((run) => run.done));
    for (const exit of exits) expect(exit.code, exit.stdout + exit.stderr).toBe(0);
    for (const out of ['a', 'b']) {
      const r = JSON.parse(await readFile(path.join(dir, out, 'twin.json'), 'utf8')) as RunResult;
      expect(r.status).toBe('passed');
      expect(r.totals.packetsReceived).toBeGreaterThan(0);
    }
  }, 120_000);

  it('with the same fixed base_port one runs and the other says up front which ports and which run, and how to choose others', async () => {
    const base = randomBase();
    const file = await scenario('fixed', `duration: 12s\nparticipants: { count: 2, base_port: ${base} }\n`);
    const runs = ['c', 'd'].map((out) => spawnCli(['test', file, '--out-dir', path.join(dir, out), '--partitions', '1'], { cwd: dir }));
    const exits = await Promise.all(runs.map((run) => run.done.then((exit) => ({ ...exit, at: Date.now() }))));
    const [winner, loser] = exits[0].code === 0 ? [exits[0], exits[1]] : [exits[1], exits[0]];
    expect(winner.code, winner.stdout + winner.stderr).toBe(0);
    expect(loser.code, loser.stdout + loser.stderr).toBe(3);
    expect(loser.stderr).toMatch(new RegExp(`error E_NETWORK: source ports ${base}\\.\\.${base + 1} are held by another avcm run on this machine: fixed \\(base_port ${base}\\) \\(pid \\d+`));
    expect(loser.stderr).toMatch(/hint: give one of the runs participants\.base_port: 0 \(ephemeral ports, the default\) or a range that does not overlap/);
    // Up front: it ended while the other was still sending its 12 s.
    expect(loser.at).toBeLessThan(winner.at);
  }, 120_000);

  it('ports another program holds: E_NETWORK before any engine starts, naming them and a base_port free now', async () => {
    const base = randomBase();
    for (const port of [base, base + 1]) {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(port, () => resolve()));
      held.push(socket);
    }
    const file = await scenario('taken', `duration: 3s\nparticipants: { count: 3, base_port: ${base} }\n`);
    const run = await runCli(['test', file, '--out-dir', path.join(dir, 'e'), '--partitions', '1'], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`error E_NETWORK: source ports ${base}\\.\\.${base + 1} are already in use on this machine \\(2 of the 3 ports ${base}\\.\\.${base + 2} this run sends from\\)`));
    expect(run.stderr).toMatch(/hint: another program or run holds them: set participants\.base_port: 0 \(ephemeral ports, the default\), or a free range such as base_port: \d+/);
    expect(run.stderr).not.toMatch(/ready, sending/);
  }, 60_000);
});
