import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { composeProject } from '../../../src/backends/docker/index.js';
import { registerManifests } from '../../../src/cli/manifests.js';
import type { Deps } from '../../../src/cli/deps.js';
import { compile } from '../../../src/plan/index.js';
import { loadScenario } from '../../../src/scenario/index.js';
import { applyOverrides } from '../../../src/runner/index.js';

async function runManifests(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  let code = -1;
  const deps: Deps = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    cwd: process.cwd(),
    onInterrupt: () => () => undefined,
  };
  const program = new Command().exitOverride().configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  registerManifests(program, deps, (c) => (code = c));
  try {
    await program.parseAsync(['node', 'avcm', ...args]);
  } catch (error) {
    code = (error as { exitCode?: number }).exitCode ?? 1;
  }
  return { code, stdout, stderr };
}

describe('avcm manifests', () => {
  it('writes the k8s objects as YAML files, one per component, and prints their paths', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'avcm-manifests-'));
    const run = await runManifests(['manifests', 'examples/k8s-1500.yaml', '--backend', 'k8s', '-o', out, '--namespace', 'perf']);
    expect(run.code).toBe(0);
    const printed = run.stdout.trim().split('\n');
    expect(printed.map((p) => path.basename(p))).toEqual(['00-namespace.yaml', '10-plan.yaml', '20-orchestrator.yaml', '30-probe.yaml', '40-relay.yaml', '50-coturn.yaml', '60-monitoring.yaml']);
    const docs = printed.flatMap((p) => parseAllDocuments(readFileSync(path.resolve(p), 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { namespace?: string } }));
    expect(docs.find((d) => d.kind === 'StatefulSet')).toMatchObject({ spec: { replicas: 10 } });
    for (const d of docs.filter((x) => x.kind !== 'Namespace' && x.kind !== 'ClusterRole' && x.kind !== 'ClusterRoleBinding')) expect(d.metadata.namespace).toBe('perf');
    expect(readFileSync(path.join(out, '50-coturn.yaml'), 'utf8')).toContain('kubectl -n NAMESPACE create secret generic avcm-turn');
  });

  it('writes a docker compose project with one service per partition and monitoring behind a profile', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'avcm-compose-'));
    const run = await runManifests(['manifests', 'scenarios/smoke.yaml', '--backend', 'docker', '-o', out, '--partitions', '3', '--image', 'avcm:test']);
    expect(run.code).toBe(0);
    expect(existsSync(path.join(out, 'plan.json'))).toBe(true);
    expect(existsSync(path.join(out, 'grafana/dashboards/avcm.json'))).toBe(true);
    const compose = parse(readFileSync(path.join(out, 'compose.yaml'), 'utf8')) as { services: Record<string, any> };
    expect(Object.keys(compose.services).filter((s) => s.startsWith('orchestrator-'))).toEqual(['orchestrator-0', 'orchestrator-1', 'orchestrator-2']);
    expect(compose.services['orchestrator-2'].environment.PARTITION_ID).toBe('2');
    expect(compose.services['orchestrator-2'].image).toBe('avcm:test');
    expect(compose.services.prometheus.profiles).toEqual(['monitoring']);
    expect(compose.services.grafana.profiles).toEqual(['monitoring']);
    expect(compose.services.probe.command).toEqual(expect.arrayContaining(['receive', '--json', '-']));
  });

  it('rejects an unknown backend as a usage error', async () => {
    const run = await runManifests(['manifests', 'scenarios/smoke.yaml', '--backend', 'nomad', '-o', '/tmp/x']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('expected k8s or docker');
  });
});

describe('composeProject', () => {
  it('never writes secrets: coturn and Grafana take theirs from the environment of docker compose', async () => {
    const plan = compile(applyOverrides(await loadScenario('scenarios/smoke.yaml'), { backend: 'docker' }), { partitions: 2 });
    const project = composeProject(plan, { image: 'avcm:0.1.0', startEpochMs: 1_800_000_000_000 }) as { services: Record<string, any> };
    expect(project.services.coturn.command).toContain('--static-auth-secret=${AVCM_TURN_SECRET:?set AVCM_TURN_SECRET}');
    expect(project.services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD).toBe('${AVCM_GRAFANA_PASSWORD:?set AVCM_GRAFANA_PASSWORD}');
    expect(project.services['orchestrator-1'].environment.AVCM_RUN_START_EPOCH_MS).toBe('1800000000000');
    expect(project.services.probe.command).toEqual(expect.arrayContaining(['--start-at', '1800000000000']));
  });
});
