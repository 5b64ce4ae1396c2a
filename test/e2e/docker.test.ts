import { execFileSync, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerBackend, DockerClient, RUN_ID_LABEL } from '../../src/backends/docker/index.js';
import type { AvcmError } from '../../src/errors/index.js';
import { compile } from '../../src/plan/index.js';
import type { RunResult } from '../../src/result/types.js';
import { scenarioFromText } from '../../src/scenario/index.js';
import { runCli } from '../helpers/cli.js';

// A real Docker engine: Debian's docker.io started by scripts/docker-local.sh with no bridge and no
// iptables, and avcm's image built from the repository's Dockerfile on a local base (no registry).
// Partitions and the probe run as containers on the host's network; every packet goes to 127.0.0.1.

const SCRIPT = new URL('../../scripts/docker-local.sh', import.meta.url).pathname;
const IMAGE = 'avcm:0.1.0';
let available = false;
let why = '';
let client: DockerClient;
let networkBefore = '';

/** Bridge interfaces and private-range IPv4 addresses on this machine: what a networked engine would add. */
function networkFootprint(): string {
  const bridges = execFileSync('ip', ['-o', 'link', 'show', 'type', 'bridge'], { encoding: 'utf8' });
  const addresses = execFileSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(/\s+/)[3] ?? '')
    .filter((a) => /^(10\.|172\.(1[6-9]|2\d|3[01])\.|192\.168\.)/.test(a));
  return [bridges.trim(), ...addresses].filter(Boolean).join('\n');
}

beforeAll(async () => {
  const started = spawnSync(SCRIPT, ['start', IMAGE], { encoding: 'utf8', timeout: 900_000 });
  available = started.status === 0;
  why = (started.stderr || started.stdout || `exit ${started.status}`).trim().split('\n').slice(-3).join(' / ');
  if (!available) {
    console.warn(`Docker tests skipped: no Docker engine could be started here: ${why}`);
    return;
  }
  client = await DockerClient.connect(process.env);
  networkBefore = networkFootprint();
}, 900_000);

afterAll(() => {
  // The engine may be shared with other test files and later runs; it is left running (scripts/docker-local.sh stop).
  if (available) expect(networkFootprint(), 'no bridge or private-range address appeared during the Docker runs').toBe(networkBefore);
});

function runIdFrom(lines: string): string {
  const match = /docker: run (\S+):/.exec(lines);
  expect(match, lines).not.toBeNull();
  return match![1];
}

describe('the docker backend on a real engine', () => {
  it('runs a scenario in containers: a 10% loss spike is measured at about 10%, reports are written, containers are removed', async (context) => {
    if (!available) context.skip(`no Docker engine could be started here: ${why}`);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-docker-e2e-'));
    const file = path.join(dir, 'docker-loss.yaml');
    await writeFile(
      file,
      [
        'version: 1',
        'name: docker-loss',
        'seed: 11',
        'duration: 12s',
        'participants: { count: 4, base_port: 0 }',
        // What the injected loss measures is the point: judged whatever the machine's load.
        'health: { inconclusive: false }',
        'spikes:',
        '  - { type: rtp_packet_loss, at: 3s, duration: 6s, loss_percentage: 10 }',
        'assertions:',
        '  during_spikes:',
        '    packet_loss_percent: ["avg < 5"]',
        '  baseline:',
        '    packet_loss_percent: ["max < 0.5"]',
        '',
      ].join('\n'),
    );
    const run = await runCli(['test', file, '--backend', 'docker', '--image', IMAGE, '--partitions', '2', '--out-dir', dir], { cwd: dir });
    const output = run.stderr + run.stdout;
    // The loss assertion fails on purpose (exit 1): the run itself worked and measured the spike.
    expect(run.code, output).toBe(1);
    expect(output).toMatch(/docker: probe listening on udp:\/\/127\.0\.0\.1:\d+; engines send to udp:\/\/127\.0\.0\.1:\d+/);

    const result = JSON.parse(await readFile(path.join(dir, 'docker-loss.json'), 'utf8')) as RunResult;
    expect(result.backend).toBe('docker');
    expect(result.partitions).toBe(2);
    expect(result.status).toBe('failed');
    expect(result.streams.filter((s) => s.participantId !== null)).toHaveLength(8);
    const [during, baseline] = result.assertions;
    expect(during.measured, output).toBeGreaterThan(7);
    expect(during.measured, output).toBeLessThan(13);
    expect(during.passed).toBe(false);
    expect(baseline.passed, output).toBe(true);
    for (const ext of ['json', 'xml', 'html']) expect(existsSync(path.join(dir, `docker-loss.${ext}`)), ext).toBe(true);

    expect(await client.containersLabelled(RUN_ID_LABEL, runIdFrom(output))).toEqual([]);
  }, 240_000);

  it('an interrupted run stops its containers on the host network, keeps what the probe measured so far, and removes them', async (context) => {
    if (!available) context.skip(`no Docker engine could be started here: ${why}`);
    const scenario = scenarioFromText('version: 1\nname: docker-abort\nduration: 60s\nbackend: docker\nparticipants: { count: 4, base_port: 0 }\n', 'docker-abort');
    const plan = compile(scenario, { partitions: 2 });
    const lines: string[] = [];
    const backend = new DockerBackend({ image: IMAGE, startDelayMs: 5_000 });
    const handle = await backend.launch(plan, { target: null, signal: new AbortController().signal, log: (line) => lines.push(line) });
    const runId = runIdFrom(lines.join('\n'));
    try {
      const deadline = Date.now() + 60_000;
      while (handle.totals().packetsSent < 1_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect(handle.totals().packetsSent).toBeGreaterThanOrEqual(1_000);
      const running = await client.containersLabelled(RUN_ID_LABEL, runId);
      expect(running.map((c) => c.name).sort()).toEqual([`avcm-${runId}-orchestrator-0`, `avcm-${runId}-orchestrator-1`, `avcm-${runId}-probe`]);
      for (const container of running) {
        expect(container.networkMode, container.name).toBe('host');
        expect(container.state, container.name).toBe('running');
      }
    } finally {
      await handle.stop();
    }
    const report = await handle.collectProbeReport();
    expect(report!.windowCount).toBeLessThan(60);
    expect(report!.streams.reduce((sum, s) => sum + s.totals.received, 0)).toBeGreaterThan(500);
    expect(await client.containersLabelled(RUN_ID_LABEL, runId)).toEqual([]);
  }, 180_000);

  it('a probe that cannot listen (its port is taken) fails the launch with the reason, and nothing is left behind', async (context) => {
    if (!available) context.skip(`no Docker engine could be started here: ${why}`);
    const squatter = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(0, '127.0.0.1', resolve));
    const port = squatter.address().port;
    try {
      const scenario = scenarioFromText(`version: 1\nname: docker-taken\nduration: 5s\nbackend: docker\ntarget: udp://127.0.0.1:${port}\nparticipants: { count: 2, base_port: 0 }\n`, 'docker-taken');
      const lines: string[] = [];
      const backend = new DockerBackend({ image: IMAGE, startDelayMs: 5_000 });
      let failure: AvcmError | null = null;
      await backend.launch(compile(scenario, { partitions: 1 }), { target: { host: '127.0.0.1', port }, signal: new AbortController().signal, log: (line) => lines.push(line) }).then(
        (handle) => handle.stop(),
        (error: AvcmError) => (failure = error),
      );
      expect(failure).not.toBeNull();
      expect(failure!.code).toBe('E_BACKEND');
      expect(failure!.message).toContain('the probe container did not start listening');
      expect(failure!.message).toContain(String(port));
      expect(await client.containersLabelled(RUN_ID_LABEL, runIdFrom(lines.join('\n')))).toEqual([]);
    } finally {
      squatter.close();
    }
  }, 120_000);
});
