import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Namespace, ConfigMap, Service, Pod, ServiceAccount, Secret } from 'kubernetes-models/v1';
import { StatefulSet, Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { kubernetesManifests, manifestFiles, secretObject, k8sNames, engineMemoryMiB, type K8sObject } from '../../../src/backends/k8s/index.js';
import { compile, partitionOf, type Plan } from '../../../src/plan/index.js';
import { loadScenario } from '../../../src/scenario/index.js';

// Schemas of kubernetes-models 5.x, generated from the Kubernetes 1.3x OpenAPI (they know 1.30 fields such as
// Service.spec.trafficDistribution), validated with ajv inside the package.
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/Pod': Pod,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Secret': Secret,
  'apps/v1/StatefulSet': StatefulSet,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
};

function validate(object: K8sObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no schema for ${object.apiVersion}/${object.kind}`);
  new Model(structuredClone(object) as never).validate();
}

const OPTIONS = { image: 'avcm:0.1.0', namespace: 'avcm', runId: 'k8s-1500-test' };
const plan: Plan = compile(await loadScenario('examples/k8s-1500.yaml'));

function byKind(objects: K8sObject[], kind: string, name: string): K8sObject & { spec: any; data?: any } {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found as never;
}

describe('kubernetesManifests', () => {
  const objects = kubernetesManifests(plan, OPTIONS);

  it('produces only objects valid against the Kubernetes schemas (all components, with and without a fixed start)', () => {
    for (const o of [...objects, ...kubernetesManifests(plan, { ...OPTIONS, startEpochMs: 1_800_000_000_000 })]) {
      expect(() => validate(o), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
    validate(secretObject(k8sNames.TURN_SECRET, 'x', OPTIONS));
    expect(new Set(objects.map((o) => o.kind))).toEqual(
      new Set(['Namespace', 'ConfigMap', 'Service', 'StatefulSet', 'Pod', 'Deployment', 'HorizontalPodAutoscaler', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']),
    );
  });

  it('the schema check catches a broken object (it can fail)', () => {
    const broken = structuredClone(byKind(objects, 'StatefulSet', 'orchestrator'));
    broken.spec.replicas = 'ten';
    expect(() => validate(broken)).toThrow(/replicas/);
  });

  it('runs one engine pod per partition, all at once, named orchestrator-N, with POD_NAME from the downward API', () => {
    const sts = byKind(objects, 'StatefulSet', 'orchestrator');
    expect(plan.partitions).toBe(10);
    expect(sts.spec.replicas).toBe(plan.partitions);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.serviceName).toBe('orchestrator');
    expect(byKind(objects, 'Service', 'orchestrator').spec.clusterIP).toBe('None');
    const pod = sts.spec.template.spec;
    expect(pod.hostNetwork).toBe(false);
    expect(pod.containers[0].command.slice(0, 4)).toEqual(['avcm', 'agent', '--plan', '/etc/avcm/plan.json']);
    expect(pod.containers[0].env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(sts.spec.template.metadata.annotations['prometheus.io/scrape']).toBe('true');
    // 150 participants per pod: 20 MB + 0.5 MB each.
    expect(pod.containers[0].resources.requests).toEqual({ cpu: '1', memory: `${engineMemoryMiB(150)}Mi` });
    expect(engineMemoryMiB(150)).toBe(95);
  });

  it('passes a chosen UDP I/O path to the engines and the probe (`--io`); without one each pod decides', () => {
    const chosen = kubernetesManifests(plan, { ...OPTIONS, io: 'dgram' });
    expect(byKind(chosen, 'StatefulSet', 'orchestrator').spec.template.spec.containers[0].command.slice(-2)).toEqual(['--io', 'dgram']);
    expect(byKind(chosen, 'Pod', 'avcm-probe').spec.containers[0].command.slice(-2)).toEqual(['--io', 'dgram']);
    for (const unchosen of [objects, kubernetesManifests(plan, { ...OPTIONS, io: 'auto' })]) {
      expect(byKind(unchosen, 'StatefulSet', 'orchestrator').spec.template.spec.containers[0].command).not.toContain('--io');
      expect(byKind(unchosen, 'Pod', 'avcm-probe').spec.containers[0].command).not.toContain('--io');
    }
  });

  it('puts every participant in exactly one pod, with ports unique inside each pod', () => {
    const shipped = JSON.parse(byKind(objects, 'ConfigMap', 'avcm-plan').data['plan.json']) as Plan;
    const replicas = byKind(objects, 'StatefulSet', 'orchestrator').spec.replicas as number;
    const owners = new Map<number, number>();
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      // What `avcm agent` in pod orchestrator-<ordinal> runs: the participants of its partition.
      const mine = shipped.participants.filter((p) => p.partition === ordinal);
      expect(mine.length).toBe(150);
      expect(new Set(mine.map((p) => p.port)).size).toBe(mine.length);
      for (const p of mine) {
        expect(partitionOf(p.id, shipped.partitions)).toBe(ordinal);
        expect(owners.has(p.id)).toBe(false);
        owners.set(p.id, ordinal);
      }
    }
    expect(owners.size).toBe(1500);
    expect([...owners.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 1500 }, (_, i) => 1001 + i));
  });

  it('sends to the probe Service when the plan has no target, and the probe Service is UDP', () => {
    const shipped = JSON.parse(byKind(objects, 'ConfigMap', 'avcm-plan').data['plan.json']) as Plan;
    expect(shipped.target).toEqual({ host: 'avcm-probe.avcm.svc.cluster.local', port: 5002 });
    expect(byKind(objects, 'Service', 'avcm-probe').spec.ports).toEqual([{ name: 'rtp', port: 5002, targetPort: 5002, protocol: 'UDP' }]);
    const probe = byKind(objects, 'Pod', 'avcm-probe').spec;
    expect(probe.restartPolicy).toBe('Never');
    expect(probe.containers[0].command).toContain('--json');
  });

  it('fixes the run start in the ConfigMap for engines and probe when the backend gives one', () => {
    const fixed = kubernetesManifests(plan, { ...OPTIONS, startEpochMs: 1_800_000_000_000 });
    expect(byKind(fixed, 'ConfigMap', 'avcm-plan').data['start-epoch-ms']).toBe('1800000000000');
    const env = { name: 'AVCM_RUN_START_EPOCH_MS', valueFrom: { configMapKeyRef: { name: 'avcm-plan', key: 'start-epoch-ms' } } };
    expect(byKind(fixed, 'StatefulSet', 'orchestrator').spec.template.spec.containers[0].env).toContainEqual(env);
    const probe = byKind(fixed, 'Pod', 'avcm-probe').spec.containers[0];
    expect(probe.env).toContainEqual(env);
    expect(probe.command).toEqual(expect.arrayContaining(['--start-at', '$(AVCM_RUN_START_EPOCH_MS)']));
  });

  it('never writes a secret value: coturn and Grafana read theirs from Secret references', () => {
    const text = JSON.stringify(objects);
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
    const coturn = byKind(objects, 'StatefulSet', 'avcm-coturn').spec.template.spec.containers[0];
    expect(coturn.env).toEqual([{ name: 'TURN_SECRET', valueFrom: { secretKeyRef: { name: 'avcm-turn', key: 'static-auth-secret' } } }]);
    expect(coturn.args).toContain('--static-auth-secret=$(TURN_SECRET)');
    expect(text).toContain('"secretKeyRef":{"name":"avcm-grafana","key":"admin-password"}');
    const hpa = byKind(objects, 'HorizontalPodAutoscaler', 'avcm-coturn');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'avcm-coturn' });
    expect(byKind(objects, 'Service', 'avcm-coturn').spec.ports).toContainEqual({ name: 'turn-udp', port: 3478, targetPort: 3478, protocol: 'UDP' });
  });

  it('leaves out optional components on request and labels every object with the run id', () => {
    const bare = kubernetesManifests(plan, { ...OPTIONS, createNamespace: false, turn: false, relay: false, monitoring: false });
    expect(bare.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/avcm-plan',
      'Service/orchestrator',
      'StatefulSet/orchestrator',
      'Pod/avcm-probe',
      'Service/avcm-probe',
    ]);
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.labels?.['avcm.dev/run-id']).toBe('k8s-1500-test');
  });

  it('is pure: the same plan and options give the same objects', () => {
    expect(JSON.stringify(kubernetesManifests(plan, OPTIONS))).toBe(JSON.stringify(objects));
  });

  it('writes files that parse back to the same objects, in apply order', () => {
    const files = manifestFiles(objects);
    expect(files.map((f) => f.file)).toEqual([
      '00-namespace.yaml',
      '10-plan.yaml',
      '20-orchestrator.yaml',
      '30-probe.yaml',
      '40-relay.yaml',
      '50-coturn.yaml',
      '60-monitoring.yaml',
    ]);
    const parsed = files.flatMap((f) => parseAllDocuments(f.text).map((d) => d.toJS() as K8sObject));
    expect(parsed).toHaveLength(objects.length);
    expect(new Set(parsed.map((o) => JSON.stringify(o)))).toEqual(new Set(objects.map((o) => JSON.stringify(o))));
  });

  it('matches the snapshot for examples/k8s-1500.yaml (plan body summarized by its hash)', () => {
    const summarized = objects.map((o) => {
      if (o.kind !== 'ConfigMap' || o.metadata.name !== 'avcm-plan') return o;
      const body = (o as unknown as { data: Record<string, string> }).data['plan.json'];
      return { ...o, data: { 'plan.json': `<${body.length} bytes, sha256 ${createHash('sha256').update(body).digest('hex')}>` } };
    });
    expect(manifestFiles(summarized as K8sObject[]).map((f) => `# ${f.file}\n${f.text}`).join('\n')).toMatchSnapshot();
  });
});

describe('static manifests in k8s/', () => {
  it('parse and validate against the Kubernetes schemas, and stay in step with the generator', () => {
    const dir = new URL('../../../k8s/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    const generated = kubernetesManifests(plan, { ...OPTIONS, runId: 'static' });
    for (const file of files) {
      for (const doc of parseAllDocuments(readFileSync(new URL(file, dir), 'utf8'))) {
        const object = doc.toJS() as K8sObject;
        expect(() => validate(object), `${file}: ${object.kind}/${object.metadata.name}`).not.toThrow();
        const twin = generated.find((o) => o.kind === object.kind && o.metadata.name === object.metadata.name);
        expect(twin, `${file}: ${object.kind}/${object.metadata.name} is not generated any more`).toBeDefined();
        if (object.kind !== 'StatefulSet' || object.metadata.name !== 'orchestrator') expect(object).toEqual(twin);
      }
    }
  });
});
