import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerClient } from '../../src/backends/docker/index.js';
import type { RunResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';

// The docker SUT driver on a real engine: the system under test is a small container (a UDP
// forwarder on the host's network: participants -> it -> the probe, all on 127.0.0.1) built here
// from the local base image scripts/docker-local.sh makes (no registry). The scenario pauses it
// (cgroup freezer) and restarts it through the Docker Engine API; the probe measures the outages.

const SCRIPT = new URL('../../scripts/docker-local.sh', import.meta.url).pathname;
const IMAGE = 'avcm-sut-forwarder:test';
const FORWARDER = `
const dgram = require('node:dgram');
const [probePort, listenPort] = process.argv.slice(2).map(Number);
const socket = dgram.createSocket('udp4');
socket.on('message', (message, from) => {
  if (from.port !== probePort) socket.send(message, probePort, '127.0.0.1');
});
socket.bind(listenPort, '127.0.0.1', () => console.log('forwarding 127.0.0.1:' + listenPort + ' -> 127.0.0.1:' + probePort));
// PID 1 in the container: stop on SIGTERM (docker restart) instead of waiting for SIGKILL.
process.on('SIGTERM', () => process.exit(0));
`;

let available = false;
let why = '';
const container = `avcm-sut-${randomBytes(4).toString('hex')}`;
let probePort = 0;
let forwarderPort = 0;

function docker(args: string[], timeoutMs = 600_000): { status: number | null; out: string } {
  const result = spawnSync('docker', args, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  return { status: result.status, out: `${result.stdout}${result.stderr}`.trim() };
}

async function freePort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  // An engine that answers, and the local base image (Debian + this host's Node) to build on.
  let base = docker(['images', '--format', '{{.Repository}}:{{.Tag}}', 'avcm-base']).out.split('\n').find(Boolean) ?? '';
  const engine = await DockerClient.connect(process.env, 5_000).catch((error: Error) => error);
  if (engine instanceof Error || !base) {
    const started = spawnSync(SCRIPT, ['start'], { encoding: 'utf8', timeout: 900_000 });
    if (started.status !== 0) {
      why = (started.stderr || started.stdout || `exit ${started.status}`).trim().split('\n').slice(-3).join(' / ');
      console.warn(`Docker SUT tests skipped: no Docker engine could be started here: ${why}`);
      return;
    }
    base = docker(['images', '--format', '{{.Repository}}:{{.Tag}}', 'avcm-base']).out.split('\n').find(Boolean) ?? '';
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-sut-image-'));
  await writeFile(path.join(dir, 'forwarder.cjs'), FORWARDER);
  await writeFile(path.join(dir, 'Dockerfile'), 'ARG BASE\nFROM ${BASE}\nCOPY forwarder.cjs /forwarder.cjs\nENTRYPOINT ["node", "/forwarder.cjs"]\n');
  const built = docker(['build', '--network', 'host', '--build-arg', `BASE=${base}`, '-t', IMAGE, dir]);
  if (built.status !== 0) {
    why = `docker build failed: ${built.out.split('\n').slice(-3).join(' / ')}`;
    console.warn(`Docker SUT tests skipped: ${why}`);
    return;
  }
  probePort = await freePort();
  forwarderPort = await freePort();
  const ran = docker(['run', '-d', '--network', 'host', '--name', container, IMAGE, String(probePort), String(forwarderPort)], 60_000);
  available = ran.status === 0;
  if (!available) {
    why = `docker run failed: ${ran.out}`;
    console.warn(`Docker SUT tests skipped: ${why}`);
  }
}, 900_000);

afterAll(() => {
  // Only what this file made: its container and its image.
  if (available) {
    docker(['rm', '-f', container], 60_000);
    docker(['rmi', IMAGE], 60_000);
  }
});

describe('the docker SUT driver on a real engine', () => {
  it('pauses then restarts the container through the Engine API: each outage is measured at the probe, plain RTP needs no rejoin', async (context) => {
    if (!available) context.skip();
    const startedBefore = execFileSync('docker', ['inspect', '--format', '{{.State.StartedAt}}', container], { encoding: 'utf8' }).trim();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-docker-sut-'));
    const file = path.join(dir, 'docker-sut.yaml');
    await writeFile(
      file,
      `version: 1
name: docker-sut
seed: 4
duration: 20s
participants: { count: 2, base_port: 0, rtcp: false }
target: udp://127.0.0.1:${forwarderPort}
probe: { listen: "udp://127.0.0.1:${probePort}", nack: false, pli: false, report_interval: false }
sut:
  driver: docker
  container: ${container}
  stop_timeout: 2s
spikes:
  - { type: sut_pause, at: 3s, duration: 3s }
  - { type: sut_restart, at: 11s, duration: 5s }
health: { inconclusive: false }
assertions:
  during_spikes:
    outage_seconds: ["max < 8"]
    reconnect_seconds: ["max == 0"]
`,
    );
    const cli = await runCli(['test', file, '--out-dir', dir, '--partitions', '1'], { cwd: dir });
    const output = cli.stderr + cli.stdout;
    expect(cli.code, output).toBe(0);
    const result = JSON.parse(await readFile(path.join(dir, 'docker-sut.json'), 'utf8')) as RunResult;
    expect(result.sutEvents!.map((e) => [e.spikeId, e.action, e.phase, e.ok, e.detail])).toEqual([
      ['0.0', 'pause', 'start', true, `POST /containers/${container}/pause`],
      ['0.0', 'resume', 'end', true, `POST /containers/${container}/unpause`],
      ['1.0', 'restart', 'start', true, `POST /containers/${container}/restart?t=2`],
    ]);
    expect(result.sutEvents![0].output).toMatch(/^paused, started /);
    expect(result.sutEvents![1].output).toMatch(/^running, started /);
    // The restart gave the container a new process.
    const startedAfter = execFileSync('docker', ['inspect', '--format', '{{.State.StartedAt}}', container], { encoding: 'utf8' }).trim();
    expect(startedAfter).not.toBe(startedBefore);
    expect(result.sutEvents![2].output).toContain(`started ${startedAfter}`);
    // Frozen 3 s: the longest outage of every stream is about that (generous bounds: a busy machine).
    for (const s of result.streams) {
      expect(s.duringSpikes.outage_seconds!).toBeGreaterThan(2);
      expect(s.duringSpikes.outage_seconds!).toBeLessThan(8);
    }
    expect(result.reconnects).toEqual([]);
    console.log(
      `docker driver: pause ${((result.sutEvents![0].endMs - result.sutEvents![0].startMs) / 1000).toFixed(2)} s call, unpause at ${(result.sutEvents![1].startMs / 1000).toFixed(2)} s, ` +
        `restart call ${((result.sutEvents![2].endMs - result.sutEvents![2].startMs) / 1000).toFixed(2)} s; longest outage per stream ${result.streams.map((s) => s.duringSpikes.outage_seconds).join(', ')} s`,
    );
  }, 180_000);
});
