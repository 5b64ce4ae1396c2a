import dgram from 'node:dgram';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.js';
import { childProcesses, waitFor } from '../helpers/child-processes.js';
import { runCli } from '../helpers/cli.js';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';
import { spawnCli } from '../helpers/spawn-cli.js';

// Faults the generator itself can meet: each must end in a clear error and honest reports, never
// in a verdict about the system under test.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-faults-'));
});

async function scenario(name: string, body: string): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, `version: 1\nname: ${name}\nseed: 3\n${body}`);
  return file;
}

async function result(name: string): Promise<RunResult> {
  return JSON.parse(await readFile(path.join(dir, 'out', `${name}.json`), 'utf8')) as RunResult;
}

describe('an engine process killed with SIGKILL mid-run', () => {
  it('ends the run with E_BACKEND naming the partition, writes reports marked error, and keeps the other partition figures', async () => {
    const file = await scenario('killed', 'duration: 40s\nparticipants: { count: 4 }\nassertions:\n  packet_loss_percent: ["max < 1"]\n');
    const cli = spawnCli(['test', file, '--out-dir', path.join(dir, 'out'), '--partitions', '2'], { cwd: dir, timeoutMs: 90_000 });
    await waitFor(() => cli.output().includes('ready, sending'), 60_000, 'the run to start');
    // Let every partition send for a while, so the survivors have figures worth keeping.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const engine = childProcesses(cli.child.pid!).find((p) => p.argv.includes('agent') && p.argv[p.argv.indexOf('--partition') + 1] === '1');
    expect(engine, 'the engine process of partition 1').toBeDefined();
    process.kill(engine!.pid, 'SIGKILL');
    const killedAt = Date.now();

    const exit = await cli.done;
    const output = exit.stdout + exit.stderr;
    expect(exit.code, output).toBe(3);
    // It stopped at once rather than running out the remaining ~35 s.
    expect(Date.now() - killedAt).toBeLessThan(25_000);
    expect(exit.stderr).toMatch(/error E_BACKEND: partition 1 \(participants 1001, 1003\): its engine process was killed by SIGKILL/);
    expect(exit.stderr).toMatch(/hint: .*the other partitions were stopped/);

    const r = await result('killed');
    expect(r.status).toBe('error');
    expect(r.errorCode).toBe('E_BACKEND');
    expect(r.errorMessage).toMatch(/partition 1 .*SIGKILL.*after \d+\.\ds of the run; the figures cover that time only/);
    expect(r.measuredDurationMs).toBeLessThan(r.plannedDurationMs);
    // Partition 0 (ids 1002, 1004) kept sending until it was stopped: its figures are in the report.
    const survivors = r.streams.filter((s) => s.participantId === 1002 || s.participantId === 1004);
    expect(survivors).toHaveLength(4);
    for (const stream of survivors) {
      expect(stream.received).toBeGreaterThan(50);
      expect(stream.whole.packet_loss_percent).not.toBeNull();
    }
    // The killed partition's streams are there too, up to its death.
    expect(r.streams.filter((s) => s.participantId === 1001 || s.participantId === 1003).every((s) => s.received > 0)).toBe(true);
    expect(r.totals.packetsReceived).toBeGreaterThan(0);
    const junit = await readFile(path.join(dir, 'out', 'killed.xml'), 'utf8');
    expect(junit).toMatch(/<error message="partition 1 [^"]*SIGKILL[^"]*" type="RunError"/);
  });
});

/** A UDP port on loopback that nothing listens on (bound once for an ephemeral number, then closed). */
async function closedPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

describe('a target that refuses (nothing listens: ICMP port unreachable)', () => {
  it('counts the refused sends, goes on to the end, and says so in the summary and the reports', async () => {
    const port = await closedPort();
    // The probe listens elsewhere (an ephemeral port), so nothing arrives: the verdict fails on no samples.
    const file = await scenario('refused', `duration: 4s\nparticipants: { count: 2 }\nhealth: { inconclusive: false }\ntarget: udp://127.0.0.1:${port}\nprobe: { listen: "udp://127.0.0.1:0" }\nassertions:\n  packet_loss_percent: ["max < 1"]\n`);
    const run = await runCli(['test', file, '--out-dir', path.join(dir, 'out'), '--partitions', '1'], { cwd: dir });
    const output = run.stdout + run.stderr;
    expect(run.code, output).toBe(1);
    expect(run.stderr).toMatch(/the target refuses packets \(ICMP port unreachable\)/);
    expect(run.stdout).toMatch(new RegExp(`send errors: \\d+ sends failed \\(\\d+\\.\\d% of the packets\\); \\d+ refused by the target udp://127\\.0\\.0\\.1:${port} \\(ICMP port unreachable: is anything listening there\\?\\); the run went on`));

    const r = await result('refused');
    expect(r.status).toBe('failed');
    expect(r.measuredDurationMs).toBe(r.plannedDurationMs);
    expect(r.totals.packetsReceived).toBe(0);
    expect(r.totals.sendRefused).toBeGreaterThan(0);
    expect(r.totals.sendErrors).toBeGreaterThanOrEqual(r.totals.sendRefused!);
    // A connected socket reports each ICMP error on the next send, which then fails: about every other packet.
    expect(r.totals.sendRefused!).toBeGreaterThan(r.totals.packetsSent! / 10);
    expect(r.assertions[0]).toMatchObject({ passed: false, samples: 0 });
    const junit = await readFile(path.join(dir, 'out', 'refused.xml'), 'utf8');
    expect(junit).toMatch(new RegExp(`<property name="send_refused" value="${r.totals.sendRefused}"/>`));
    const html = await readFile(path.join(dir, 'out', 'refused.html'), 'utf8');
    expect(html).toMatch(/refused by the target/);
  });

  it('a target that listens counts no send errors', async () => {
    const file = await scenario('listening', 'duration: 3s\nparticipants: { count: 2 }\n');
    const run = await runCli(['test', file, '--out-dir', path.join(dir, 'out'), '--partitions', '1'], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const r = await result('listening');
    expect(r.totals).toMatchObject({ sendErrors: 0, sendRefused: 0 });
    expect(run.stdout).not.toMatch(/send errors/);
  });
});

describe('reports that cannot be written (a tiny tmpfs: root only)', () => {
  const mounts: Tmpfs[] = [];
  afterEach(async () => {
    for (const mount of mounts.splice(0)) await mount.remove();
  });

  it.runIf(process.getuid?.() === 0)('the disk fills up: E_REPORT, exit 3 although every assertion passed, and no half-written report', async (context) => {
    const mount = await mountTmpfs(64);
    if (!mount) return context.skip('cannot mount a tmpfs here (needs CAP_SYS_ADMIN)');
    mounts.push(mount);
    const file = await scenario('disk-full', 'duration: 2s\nparticipants: { count: 1 }\nassertions:\n  packet_loss_percent: ["max < 50"]\n');
    const run = await runCli(['test', file, '--out-dir', mount.dir, '--partitions', '1'], { cwd: dir });
    const output = run.stdout + run.stderr;
    expect(run.code, output).toBe(3);
    expect(run.stdout).toMatch(/disk-full: PASSED/);
    expect(run.stderr).toMatch(/error E_REPORT: cannot write the html report .*disk-full\.html\): ENOSPC: no space left on device/);
    expect(run.stderr).toMatch(/hint: the disk holding .* is full/);
    expect(run.stdout).toMatch(new RegExp(`not written \\(E_REPORT\\): ${mount.dir}/disk-full\\.html`));
    // The JSON and JUnit reports fit and are whole; the HTML report is not there at all, nor a temp file.
    expect((await readdir(mount.dir)).sort()).toEqual(['disk-full.json', 'disk-full.xml']);
    expect(JSON.parse(await readFile(path.join(mount.dir, 'disk-full.json'), 'utf8')).status).toBe('passed');
  });

  it.runIf(process.getuid?.() === 0)('the out-dir is read-only: E_REPORT, exit 3, nothing written', async (context) => {
    const mount = await mountTmpfs(256);
    if (!mount) return context.skip('cannot mount a tmpfs here (needs CAP_SYS_ADMIN)');
    mounts.push(mount);
    mount.readOnly();
    const file = await scenario('read-only', 'duration: 2s\nparticipants: { count: 1 }\n');
    const run = await runCli(['test', file, '--out-dir', path.join(mount.dir, 'reports'), '--partitions', '1'], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(3);
    expect(run.stderr).toMatch(/error E_REPORT: cannot write the json and junit and html reports .*EROFS: read-only file system/);
    expect(run.stderr).toMatch(/hint: .* is on a read-only file system: choose another --out-dir/);
    expect(run.stdout).not.toMatch(/^reports:/m);
    expect(await readdir(mount.dir)).toEqual([]);
  });
});
