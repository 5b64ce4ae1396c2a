import type { IoRequest } from '../../io/index.js';
import type { Endpoint, Plan } from '../../plan/index.js';
import { ioArgs } from '../io-args.js';
import { grafanaDashboard } from './dashboard.js';
import {
  componentLabels,
  GRAFANA,
  GRAFANA_SECRET,
  METRICS_PORT,
  ORCHESTRATOR,
  PLAN_CONFIGMAP,
  PLAN_FILE,
  PLAN_MOUNT_DIR,
  PROBE,
  PROBE_PORT,
  PROMETHEUS,
  RELAY,
  RELAY_TCP_PORT,
  TURN,
  TURN_PORT,
  TURN_SECRET,
} from './names.js';

/** A Kubernetes object as plain JSON (what `kubectl apply` and the API take). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface ManifestOptions {
  /** Image with `avcm` as its entrypoint, e.g. `avcm:0.1.0`. */
  image: string;
  namespace: string;
  /** Labels every object (`avcm.dev/run-id`) so a run's objects can be found and deleted together. */
  runId: string;
  /** Emit the Namespace object (default true). */
  createNamespace?: boolean;
  /** coturn StatefulSet + HPA + Service (default: true). */
  turn?: boolean;
  /** The cluster side of `avcm relay` for port-forward-only clusters (default: true). */
  relay?: boolean;
  /** Prometheus + Grafana (default: true). */
  monitoring?: boolean;
  /**
   * Epoch ms at which frame 0 is due, fixed by the backend before anything starts (the ConfigMap
   * carries it, so a restarted pod rejoins on the same grid and the probe's windows align with the
   * spikes). Absent (plain `kubectl apply`): engines start a second after they are ready and the
   * probe windows from its own start.
   */
  startEpochMs?: number;
  /** UDP I/O of the engines and the probe (`--io`); `auto` or absent: each pod decides (batched when the addon loads in the image). */
  io?: IoRequest;
}

/** Memory an engine needs: a fixed base plus per-participant state and socket buffers, MiB. */
export function engineMemoryMiB(participants: number): number {
  return Math.ceil(20 + 0.5 * participants);
}

/** The address engines send to inside the cluster: the plan's target, else the probe Service. */
export function clusterTarget(plan: Plan, namespace: string): Endpoint {
  return plan.target ?? { host: `${PROBE}.${namespace}.svc.cluster.local`, port: PROBE_PORT };
}

/** Participants per partition, indexed by partition. */
export function participantsPerPartition(plan: Plan): number[] {
  const counts = new Array<number>(plan.partitions).fill(0);
  for (const participant of plan.participants) counts[participant.partition]++;
  return counts;
}

const SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 10001,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};

/**
 * Every object one run needs on Kubernetes, in apply order. Pure: the same plan and options give
 * the same objects. Secrets are referenced, never included (see `secretObject`).
 */
export function kubernetesManifests(plan: Plan, options: ManifestOptions): K8sObject[] {
  const ns = options.namespace;
  const runId = options.runId;
  const startEpochMs = options.startEpochMs;
  const meta = (name: string, component: string, extra: Partial<K8sObject['metadata']> = {}): K8sObject['metadata'] => ({
    name,
    namespace: ns,
    labels: componentLabels(component, runId),
    ...extra,
  });
  const selector = (component: string): Record<string, string> => componentLabels(component, runId);
  const objects: K8sObject[] = [];

  if (options.createNamespace ?? true) {
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'app.kubernetes.io/name': 'avcm' } } });
  }

  // The plan the pods read; a restarted pod rejoins from the same plan (late join, same ports).
  const target = clusterTarget(plan, ns);
  objects.push({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(PLAN_CONFIGMAP, 'plan'),
    data: {
      'plan.json': `${JSON.stringify({ ...plan, backend: 'k8s', target }, null, 2)}\n`,
      ...(startEpochMs !== undefined ? { 'start-epoch-ms': String(startEpochMs) } : {}),
    },
  });

  // Engines: one pod per partition; the pod name suffix is the partition id.
  const largest = Math.max(0, ...participantsPerPartition(plan));
  const memoryMiB = engineMemoryMiB(largest);
  objects.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(ORCHESTRATOR, ORCHESTRATOR),
    spec: {
      clusterIP: 'None',
      selector: selector(ORCHESTRATOR),
      ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: METRICS_PORT, protocol: 'TCP' }],
    },
  });
  objects.push({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(ORCHESTRATOR, ORCHESTRATOR),
    spec: {
      serviceName: ORCHESTRATOR,
      replicas: plan.partitions,
      // All partitions start together; the default OrderedReady would start them one by one.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selector(ORCHESTRATOR) },
      template: {
        metadata: {
          labels: selector(ORCHESTRATOR),
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(METRICS_PORT), 'prometheus.io/path': '/metrics' },
        },
        spec: {
          hostNetwork: false,
          terminationGracePeriodSeconds: 10,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 },
          containers: [
            {
              name: 'engine',
              image: options.image,
              command: ['avcm', 'agent', '--plan', PLAN_FILE, '--metrics-port', String(METRICS_PORT), ...ioArgs(options.io)],
              env: [
                ...startEnv(startEpochMs),
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'AVCM_CACHE_DIR', value: '/var/cache/avcm' },
                ...(plan.turn ? [{ name: plan.turn.secretEnv, valueFrom: { secretKeyRef: { name: TURN_SECRET.name, key: TURN_SECRET.key } } }] : []),
              ],
              ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
              // No CPU limit: CFS throttling would show up as jitter the probe blames on the SUT.
              resources: { requests: { cpu: '1', memory: `${memoryMiB}Mi` }, limits: { memory: `${memoryMiB * 2}Mi` } },
              securityContext: SECURITY_CONTEXT,
              volumeMounts: [
                { name: 'plan', mountPath: PLAN_MOUNT_DIR, readOnly: true },
                { name: 'cache', mountPath: '/var/cache/avcm' },
              ],
            },
          ],
          volumes: [
            { name: 'plan', configMap: { name: PLAN_CONFIGMAP } },
            { name: 'cache', emptyDir: {} },
          ],
        },
      },
    },
  });

  // The probe: measures what arrives. A bare Pod, because a restarted probe would lose its stats.
  // With a fixed start the probe windows exactly the run (+2 s for packets in flight); without, it also covers pods starting.
  const probeDurationS = Math.ceil(plan.durationMs / 1000) + (startEpochMs !== undefined ? 2 : 120);
  objects.push({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(PROBE, 'probe'),
    spec: {
      restartPolicy: 'Never',
      securityContext: { runAsNonRoot: true, runAsUser: 10001 },
      containers: [
        {
          name: 'probe',
          image: options.image,
          // The report comes back as one marked line in the pod log (`--json -`), read after the pod succeeded.
          command: [
            'avcm',
            'receive',
            '--listen',
            `udp://0.0.0.0:${PROBE_PORT}`,
            ...(startEpochMs !== undefined ? ['--start-at', '$(AVCM_RUN_START_EPOCH_MS)'] : []),
            '--duration',
            `${probeDurationS}s`,
            '--json',
            '-',
            '--quiet',
            ...ioArgs(options.io),
            ...(plan.probe.shards > 1 ? ['--shards', String(plan.probe.shards)] : []),
          ],
          env: startEnv(startEpochMs),
          ports: [{ name: 'rtp', containerPort: PROBE_PORT, protocol: 'UDP' }],
          resources: { requests: { cpu: '1', memory: '256Mi' }, limits: { memory: '1Gi' } },
          securityContext: SECURITY_CONTEXT,
        },
      ],
    },
  });
  objects.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(PROBE, 'probe'),
    spec: { selector: selector('probe'), ports: [{ name: 'rtp', port: PROBE_PORT, targetPort: PROBE_PORT, protocol: 'UDP' }] },
  });

  if (options.relay ?? true) objects.push(...relayObjects(target, meta, selector, options.image));
  if (options.turn ?? true) objects.push(...turnObjects(meta, selector));
  if (options.monitoring ?? true) objects.push(...monitoringObjects(ns, runId, meta, selector));
  return objects;
}

/** The run start from the plan ConfigMap (Kubernetes expands `$(AVCM_RUN_START_EPOCH_MS)` in commands). */
function startEnv(startEpochMs: number | undefined): object[] {
  if (startEpochMs === undefined) return [];
  return [{ name: 'AVCM_RUN_START_EPOCH_MS', valueFrom: { configMapKeyRef: { name: PLAN_CONFIGMAP, key: 'start-epoch-ms' } } }];
}

type Meta = (name: string, component: string, extra?: Partial<K8sObject['metadata']>) => K8sObject['metadata'];
type Selector = (component: string) => Record<string, string>;

/** `avcm relay tcp-to-udp` in the cluster: `kubectl port-forward svc/avcm-relay 7000` carries UDP from outside. */
function relayObjects(target: Endpoint, meta: Meta, selector: Selector, image: string): K8sObject[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(RELAY, 'relay'),
      spec: {
        replicas: 1,
        selector: { matchLabels: selector('relay') },
        template: {
          metadata: { labels: selector('relay') },
          spec: {
            containers: [
              {
                name: 'relay',
                image,
                command: ['avcm', 'relay', 'tcp-to-udp', '--listen', `tcp://0.0.0.0:${RELAY_TCP_PORT}`, '--send', `udp://${target.host}:${target.port}`],
                ports: [{ name: 'relay', containerPort: RELAY_TCP_PORT, protocol: 'TCP' }],
                resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { memory: '256Mi' } },
                securityContext: SECURITY_CONTEXT,
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(RELAY, 'relay'),
      spec: { selector: selector('relay'), ports: [{ name: 'relay', port: RELAY_TCP_PORT, targetPort: RELAY_TCP_PORT, protocol: 'TCP' }] },
    },
  ];
}

/** coturn for WebRTC runs; its shared secret comes from a Secret the runner creates (never a literal here). */
function turnObjects(meta: Meta, selector: Selector): K8sObject[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: meta(TURN, 'turn'),
      spec: {
        serviceName: TURN,
        replicas: 1,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selector('turn') },
        template: {
          metadata: { labels: selector('turn') },
          spec: {
            containers: [
              {
                name: 'coturn',
                image: 'coturn/coturn:4.6.2',
                // Kubernetes expands $(TURN_SECRET) from the env below; the value never appears in the spec.
                args: [
                  '-n',
                  '--log-file=stdout',
                  '--no-cli',
                  '--fingerprint',
                  '--use-auth-secret',
                  '--static-auth-secret=$(TURN_SECRET)',
                  '--realm=avcm',
                  `--listening-port=${TURN_PORT}`,
                  '--min-port=49160',
                  '--max-port=49200',
                ],
                env: [{ name: 'TURN_SECRET', valueFrom: { secretKeyRef: { name: TURN_SECRET.name, key: TURN_SECRET.key } } }],
                ports: [
                  { name: 'turn-udp', containerPort: TURN_PORT, protocol: 'UDP' },
                  { name: 'turn-tcp', containerPort: TURN_PORT, protocol: 'TCP' },
                ],
                resources: { requests: { cpu: '500m', memory: '128Mi' }, limits: { memory: '512Mi' } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(TURN, 'turn'),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: TURN },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(TURN, 'turn'),
      spec: {
        selector: selector('turn'),
        ports: [
          { name: 'turn-udp', port: TURN_PORT, targetPort: TURN_PORT, protocol: 'UDP' },
          { name: 'turn-tcp', port: TURN_PORT, targetPort: TURN_PORT, protocol: 'TCP' },
        ],
      },
    },
  ];
}

/** Prometheus scrape config: pods of this namespace annotated `prometheus.io/scrape: "true"`. */
export function prometheusConfig(namespace: string): string {
  return [
    'global:',
    '  scrape_interval: 5s',
    'scrape_configs:',
    '  - job_name: avcm-pods',
    '    kubernetes_sd_configs:',
    '      - role: pod',
    `        namespaces: { names: [${namespace}] }`,
    '    relabel_configs:',
    '      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]',
    '        action: keep',
    '        regex: "true"',
    '      - source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]',
    '        action: replace',
    '        regex: ([^:]+)(?::\\d+)?;(\\d+)',
    '        replacement: $1:$2',
    '        target_label: __address__',
    '      - source_labels: [__meta_kubernetes_pod_name]',
    '        target_label: pod',
    '',
  ].join('\n');
}

function monitoringObjects(namespace: string, runId: string, meta: Meta, selector: Selector): K8sObject[] {
  // Cluster-scoped names carry the namespace so two runs in two namespaces do not collide.
  const clusterName = `${PROMETHEUS}-${namespace}`;
  const clusterMeta = { name: clusterName, labels: componentLabels('monitoring', runId) };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(PROMETHEUS, 'monitoring') },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: clusterMeta,
      rules: [{ apiGroups: [''], resources: ['pods', 'endpoints', 'services', 'nodes'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: clusterMeta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      subjects: [{ kind: 'ServiceAccount', name: PROMETHEUS, namespace }],
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(PROMETHEUS, 'monitoring'), data: { 'prometheus.yml': prometheusConfig(namespace) } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(PROMETHEUS, 'monitoring'),
      spec: {
        replicas: 1,
        selector: { matchLabels: selector('prometheus') },
        template: {
          metadata: { labels: selector('prometheus') },
          spec: {
            serviceAccountName: PROMETHEUS,
            containers: [
              {
                name: 'prometheus',
                image: 'prom/prometheus:v2.53.0',
                args: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.retention.time=2d'],
                ports: [{ name: 'http', containerPort: 9090, protocol: 'TCP' }],
                resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '2Gi' } },
                volumeMounts: [{ name: 'config', mountPath: '/etc/prometheus', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: PROMETHEUS } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(PROMETHEUS, 'monitoring'),
      spec: { selector: selector('prometheus'), ports: [{ name: 'http', port: 9090, targetPort: 9090, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(GRAFANA, 'monitoring'),
      data: {
        'datasource.yaml': [
          'apiVersion: 1',
          'datasources:',
          '  - name: Prometheus',
          '    type: prometheus',
          `    url: http://${PROMETHEUS}.${namespace}.svc:9090`,
          '    isDefault: true',
          '',
        ].join('\n'),
        'dashboards.yaml': [
          'apiVersion: 1',
          'providers:',
          '  - name: avcm',
          '    type: file',
          '    options:',
          '      path: /var/lib/grafana/dashboards',
          '',
        ].join('\n'),
        'avcm.json': `${JSON.stringify(grafanaDashboard(), null, 2)}\n`,
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(GRAFANA, 'monitoring'),
      spec: {
        replicas: 1,
        selector: { matchLabels: selector('grafana') },
        template: {
          metadata: { labels: selector('grafana') },
          spec: {
            containers: [
              {
                name: 'grafana',
                image: 'grafana/grafana:11.1.0',
                env: [{ name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: GRAFANA_SECRET.name, key: GRAFANA_SECRET.key } } }],
                ports: [{ name: 'http', containerPort: 3000, protocol: 'TCP' }],
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
                volumeMounts: [
                  { name: 'provisioning', mountPath: '/etc/grafana/provisioning/datasources/datasource.yaml', subPath: 'datasource.yaml' },
                  { name: 'provisioning', mountPath: '/etc/grafana/provisioning/dashboards/dashboards.yaml', subPath: 'dashboards.yaml' },
                  { name: 'provisioning', mountPath: '/var/lib/grafana/dashboards/avcm.json', subPath: 'avcm.json' },
                ],
              },
            ],
            volumes: [{ name: 'provisioning', configMap: { name: GRAFANA } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(GRAFANA, 'monitoring'),
      spec: { selector: selector('grafana'), ports: [{ name: 'http', port: 3000, targetPort: 3000, protocol: 'TCP' }] },
    },
  ];
}

/**
 * A Secret the manifests reference, built at apply time by the runner (value from the
 * environment or random bytes). Kept out of `kubernetesManifests` so no secret is ever written to disk.
 */
export function secretObject(ref: { name: string; key: string }, value: string, options: Pick<ManifestOptions, 'namespace' | 'runId'>): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: ref.name, namespace: options.namespace, labels: componentLabels('secret', options.runId) },
    type: 'Opaque',
    stringData: { [ref.key]: value },
  };
}
