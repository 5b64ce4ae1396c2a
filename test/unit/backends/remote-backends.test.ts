import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DockerBackend } from '../../../src/backends/docker/index.js';
import { connectCluster, K8sBackend, probeReportFromLog, RemotePartitions } from '../../../src/backends/k8s/index.js';
import { emptyEngineStats } from '../../../src/engine/index.js';
import { AvcmError } from '../../../src/errors/index.js';
import { compile } from '../../../src/plan/index.js';
import { applyOverrides } from '../../../src/runner/index.js';
import { loadScenario } from '../../../src/scenario/index.js';

function kubeconfigAt(server: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'avcm-kube-'));
  const file = path.join(dir, 'config');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: nowhere',
      'clusters: [{ name: nowhere, cluster: { server: "' + server + '" } }]',
      'users: [{ name: nobody, user: { token: "x" } }]',
      'contexts: [{ name: nowhere, context: { cluster: nowhere, user: nobody } }]',
      '',
    ].join('\n'),
  );
  return file;
}

async function caught(promise: Promise<unknown>): Promise<AvcmError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AvcmError) return error;
    throw error;
  }
  throw new Error('expected an AvcmError');
}

const plan = compile(applyOverrides(await loadScenario('scenarios/smoke.yaml'), { backend: 'k8s' }), { partitions: 2 });
const launchOptions = { target: { host: '127.0.0.1', port: 5002 }, mediaDir: '/tmp', signal: new AbortController().signal, log: () => undefined };

function has(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

describe('k8s backend: clear errors without a cluster', () => {
  it('an unreachable API server (127.0.0.1:1) is E_BACKEND naming the context and server, with a kind hint', async () => {
    const error = await caught(connectCluster({ kubeconfig: kubeconfigAt('https://127.0.0.1:1') }));
    expect(error.code).toBe('E_BACKEND');
    expect(error.message).toMatch(/^no Kubernetes cluster reachable \(context nowhere, server https:\/\/127\.0\.0\.1:1\): /);
    expect(error.hint).toContain('kind create cluster');
  });

  it('a missing kubeconfig file is E_BACKEND too, and launch fails before applying anything', async () => {
    const backend = new K8sBackend({ image: 'avcm:0.1.0', namespace: 'avcm', kubeconfig: '/nonexistent/avcm/kubeconfig' });
    const error = await caught(backend.launch(plan, launchOptions));
    expect(error.code).toBe('E_BACKEND');
    expect(error.message).toContain('no Kubernetes cluster reachable');
    expect(error.message).toContain('/nonexistent/avcm/kubeconfig');
  });

  const cluster = has('kubectl', ['cluster-info', '--request-timeout=5s']);
  it.skipIf(!cluster)('runs the smoke scenario on the current cluster (skipped: no cluster reachable from kubectl here)', async () => {
    const backend = new K8sBackend({ image: process.env.AVCM_IMAGE ?? 'avcm:0.1.0', namespace: 'avcm-test', startDelayMs: 60_000 });
    const handle = await backend.launch(plan, launchOptions);
    try {
      await handle.finished();
      const report = await handle.collectProbeReport();
      expect(report?.streams.length).toBeGreaterThan(0);
    } finally {
      await handle.stop();
    }
  }, 600_000);
});

describe('docker backend: clear errors without an engine', () => {
  it('no engine behind DOCKER_HOST is E_BACKEND naming the socket, with a hint', async () => {
    const env = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/avcm-docker.sock' };
    const backend = new DockerBackend({ image: 'avcm:0.1.0', env });
    const error = await caught(backend.launch(plan, launchOptions));
    expect(error.code).toBe('E_BACKEND');
    expect(error.message).toMatch(/^no Docker engine reachable \(unix:\/\/\/nonexistent\/avcm-docker\.sock\): /);
    expect(error.hint).toContain('scripts/docker-local.sh start');
  });

  it('a DOCKER_HOST it cannot speak to (ssh://) is E_BACKEND saying which schemes work', async () => {
    const backend = new DockerBackend({ image: 'avcm:0.1.0', env: { DOCKER_HOST: 'ssh://user@host' } });
    const error = await caught(backend.launch(plan, launchOptions));
    expect(error.code).toBe('E_BACKEND');
    expect(error.message).toContain('unix:///PATH or tcp://HOST:PORT');
  });

  it('WebRTC plans are refused before any engine is asked (the probe container measures plain RTP)', async () => {
    const webrtc = { ...plan, transport: 'webrtc' as const };
    const backend = new DockerBackend({ image: 'avcm:0.1.0', env: { DOCKER_HOST: 'unix:///nonexistent/avcm-docker.sock' } });
    const error = await caught(backend.launch(webrtc, launchOptions));
    expect(error.code).toBe('E_BACKEND');
    expect(error.message).toContain('WebRTC participants run on the local backend only');
  });
});

describe('remote partitions: agent lines from logs', () => {
  it('reassembles lines split across chunks, sums stats and counts ready/done', () => {
    const tracker = new RemotePartitions(2);
    const stats = { ...emptyEngineStats(0, 3), packetsSent: 100, bytesSent: 1000 };
    const lines = [
      'avcm: some human line\n',
      JSON.stringify({ type: 'ready', partition: 0, participants: 3, pid: 1, media: { videoFrames: 1, audioFrames: 1 } }) + '\n',
      JSON.stringify({ type: 'done', stats }) + '\n',
    ].join('');
    const read = tracker.reader(0);
    for (let i = 0; i < lines.length; i += 7) read(lines.slice(i, i + 7));
    tracker.reader(1)(JSON.stringify({ type: 'stats', stats: { ...stats, packetsSent: 50 } }) + '\n');
    tracker.setRestarts(1, 2);
    expect(tracker.readyCount).toBe(1);
    expect(tracker.doneCount).toBe(1);
    expect(tracker.totals()).toMatchObject({ participants: 6, packetsSent: 150, partitionsReady: 1, partitionsDone: 1 });
    expect(tracker.restarts()).toEqual([{ partition: 1, count: 2 }]);
  });

  it('finds the probe report line in a log, and says null when there is none', () => {
    const log = 'avcm: probe listening\nAVCM_PROBE_REPORT {"streams":[],"windowMs":1000}\navcm: done\n';
    expect(probeReportFromLog(log)).toEqual({ streams: [], windowMs: 1000 });
    expect(probeReportFromLog('nothing here\n')).toBeNull();
    expect(probeReportFromLog('AVCM_PROBE_REPORT {truncated')).toBeNull();
  });
});
