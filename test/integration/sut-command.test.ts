import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';

/**
 * A system under test that runs here as a plain process: a UDP forwarder (participants -> it ->
 * the probe), the smallest thing an SFU does. The command driver freezes it with SIGSTOP and lets
 * it go on with SIGCONT, as a scenario would freeze a real SFU; what the probe measures is the
 * result. Plain RTP needs no rejoin: the participants just keep sending.
 */
const FORWARDER = `
const dgram = require('node:dgram');
const probePort = Number(process.argv[2]);
const socket = dgram.createSocket('udp4');
socket.on('message', (message, from) => {
  if (from.port !== probePort) socket.send(message, probePort, '127.0.0.1');
});
socket.bind(0, '127.0.0.1', () => console.log(socket.address().port));
`;

let forwarder: ChildProcess;
let forwarderPort = 0;
let probePort = 0;
let dir = '';

async function freePort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-sut-command-'));
  probePort = await freePort();
  await writeFile(path.join(dir, 'forwarder.cjs'), FORWARDER);
  forwarder = spawn(process.execPath, [path.join(dir, 'forwarder.cjs'), String(probePort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  forwarderPort = await new Promise<number>((resolve) => forwarder.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
}, 30_000);

afterAll(() => {
  // Never leave it frozen.
  forwarder.kill('SIGCONT');
  forwarder.kill('SIGTERM');
});

async function run(name: string, body: string): Promise<{ code: number; result: RunResult; junit: string; output: string }> {
  const file = path.join(dir, `${name}.yaml`);
  // Plain RTP one way (the forwarder does not carry RTCP back): no feedback loop on either end.
  const probe = body.includes('probe:') ? '' : 'probe: { nack: false, pli: false, report_interval: false }\n';
  await writeFile(file, `version: 1\nname: ${name}\nseed: 3\nparticipants:\n  count: 2\n  base_port: 0\n  rtcp: false\n${probe}${body}`);
  const cli = await runCli(['test', file, '--out-dir', dir, '--partitions', '1'], { cwd: dir });
  const result = JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8')) as RunResult;
  return { code: cli.code, result, junit: await readFile(path.join(dir, `${name}.xml`), 'utf8'), output: cli.stderr + cli.stdout };
}

describe('the command driver on a real process', () => {
  it('sut_pause freezes the forwarder for 3 s (SIGSTOP/SIGCONT): the outage is measured at the probe, plain RTP needs no rejoin', async () => {
    const { code, result, output } = await run(
      'sut-pause',
      `duration: 12s
target: udp://127.0.0.1:${forwarderPort}
probe: { listen: "udp://127.0.0.1:${probePort}", nack: false, pli: false, report_interval: false }
sut:
  driver: command
  pause: kill -STOP ${forwarder.pid}
  resume: kill -CONT ${forwarder.pid}
  timeout: 10s
spikes:
  - { type: sut_pause, at: 4s, duration: 3s }
assertions:
  during_spikes:
    outage_seconds: ["max < 6"]
    reconnect_seconds: ["max == 0"]
  baseline:
    packet_loss_percent: ["max < 1"]
`,
    );
    expect(code, output).toBe(0);
    expect(result.sutEvents!.map((e) => [e.action, e.phase, e.ok, e.exitCode, e.detail])).toEqual([
      ['pause', 'start', true, 0, `kill -STOP ${forwarder.pid}`],
      ['resume', 'end', true, 0, `kill -CONT ${forwarder.pid}`],
    ]);
    const [pause, resume] = result.sutEvents!;
    expect(pause.startMs).toBeGreaterThanOrEqual(4_000);
    expect(resume.startMs).toBeGreaterThanOrEqual(7_000);
    // Every stream went silent while the forwarder was frozen, for about the pause (generous bounds: a busy machine).
    const outages = result.streams.map((s) => s.duringSpikes.outage_seconds!);
    expect(result.streams).toHaveLength(4);
    for (const outage of outages) {
      expect(outage).toBeGreaterThan(2);
      expect(outage).toBeLessThan(6);
    }
    // Outside the pause the streams flowed: the whole run's longest outage is the pause's.
    expect(result.streams.map((s) => s.whole.outage_seconds)).toEqual(outages);
    expect(result.reconnects).toEqual([]);
    expect(output).toMatch(/sut 0\.0 sut_pause: pause done in \d+\.\ds, exit 0/);
    console.log(`command driver, forwarder frozen 3 s: outage per stream ${outages.map((o) => o.toFixed(2)).join(', ')} s; pause at ${(pause.startMs / 1000).toFixed(2)} s, resume at ${(resume.startMs / 1000).toFixed(2)} s`);
  }, 120_000);

  it('a command that fails makes the run an error (exit 3): its exit code and output are in the JSON and the JUnit', async () => {
    const { code, result, junit, output } = await run(
      'sut-fails',
      `duration: 6s
sut:
  driver: command
  restart: 'echo "janus: not running, nothing to restart" >&2; exit 4'
spikes:
  - { type: sut_restart, at: 2s, duration: 2s }
assertions:
  packet_loss_percent: ["max < 1"]
`,
    );
    expect(code, output).toBe(3);
    expect(result.status).toBe('error');
    expect(result.errorMessage).toMatch(/^sut 0\.0 sut_restart: restart failed: restart command exited with 4 \(run the command by hand/);
    const [event] = result.sutEvents!;
    expect(event).toMatchObject({ action: 'restart', ok: false, exitCode: 4, error: 'restart command exited with 4' });
    expect(event.output).toContain('janus: not running, nothing to restart');
    expect(junit).toMatch(/<failure message="restart failed: restart command exited with 4" type="SutActionFailed"/);
    expect(output).toContain('hint: run the command by hand');
  }, 120_000);

  it('a driver that cannot reach its target fails before anything runs (E_SUT_DRIVER, exit 3)', async () => {
    const file = path.join(dir, 'sut-nodocker.yaml');
    await writeFile(file, 'version: 1\nname: sut-nodocker\nduration: 5s\nparticipants: { count: 1, base_port: 0 }\nsut: { driver: docker, container: janus }\nspikes:\n  - { type: sut_restart, at: 1s, duration: 2s }\n');
    const cli = await runCli(['test', file, '--out-dir', dir], { cwd: dir, env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/avcm-docker.sock' } });
    expect(cli.code).toBe(3);
    const result = JSON.parse(await readFile(path.join(dir, 'sut-nodocker.json'), 'utf8')) as RunResult;
    expect(result.status).toBe('error');
    expect(result.errorMessage).toMatch(/^the sut docker driver cannot reach a Docker engine: no Docker engine reachable \(unix:\/\/\/nonexistent\/avcm-docker\.sock\)/);
    expect(result.totals.packetsSent ?? 0).toBe(0);
  }, 60_000);
});
