import { stringify } from 'yaml';
import type { IoRequest } from '../../io/index.js';
import type { Endpoint, Plan } from '../../plan/index.js';
import { formatUdpUrl } from '../../scenario/units.js';
import { grafanaDashboard } from '../k8s/dashboard.js';
import { ioArgs } from '../io-args.js';

/**
 * One container of a Docker run, described once: the backend creates it through the Engine API
 * and `avcm manifests --backend docker` writes it as a compose service, so both run the same
 * thing. Every container uses the host's network (never a bridge): partitions, the probe and the
 * system under test meet on the host's own addresses, loopback included.
 */
export interface RunContainer {
  /** Unique in the run: `orchestrator-N`, `probe`, `prometheus`, `grafana`. */
  service: string;
  role: 'engine' | 'probe' | 'monitoring';
  /** The partition an engine container runs; null for the others. */
  partition: number | null;
  image: string;
  /** Arguments after the image's entrypoint (`avcm` for the avcm image). */
  command: string[];
  env: Record<string, string>;
  /**
   * Values taken from the host's environment when the container is created, never written into a
   * file: container variable -> host variable (compose interpolates `${HOST:?...}`).
   */
  secretEnv: Record<string, string>;
  /** Read-only bind mounts; `source` is relative to the run folder that {@link runFiles} fills. */
  mounts: { source: string; target: string }[];
  /** Engines restart and rejoin the run's frame grid; the probe must not (it would lose what it measured). */
  restart: 'on-failure' | 'no';
  /** The agent stops when its stdin ends (its runner went away), so engine containers keep stdin open. */
  openStdin: boolean;
}

/** Where the plan is mounted in engine containers. */
export const PLAN_IN_CONTAINER = '/etc/avcm/plan.json';
/** Engine N serves its Prometheus metrics on this port + N (the host's ports are shared). */
export const METRICS_BASE_PORT = 9464;
export const PROMETHEUS_PORT = 9090;
export const GRAFANA_PORT = 3000;
/** Seconds the probe measures past the run's end when the start is fixed (late packets, delay lines). */
const PROBE_TAIL_S = 2;
/** Without a fixed start the engines begin a second after they are ready, some time after the probe: it waits this long more. */
const PROBE_UNFIXED_TAIL_S = 60;

export interface ProbeContainerOptions {
  image: string;
  /** Where the probe listens; port 0 lets the OS choose (the backend reads the port from the probe's log). */
  listen: Endpoint;
  /** The run start shared by engines and probe (epoch ms); absent: the probe measures from its own start. */
  startEpochMs?: number;
  /** UDP I/O of the probe (`--io`); `auto` or absent: the container decides (batched when the addon loads in the image). */
  io?: IoRequest;
}

/** The probe: `avcm receive`, its report printed as one marked line when its duration ends (or on SIGTERM). */
export function probeContainer(plan: Plan, options: ProbeContainerOptions): RunContainer {
  const fixedStart = options.startEpochMs !== undefined;
  return {
    service: 'probe',
    role: 'probe',
    partition: null,
    image: options.image,
    command: [
      'receive',
      '--listen',
      formatUdpUrl(options.listen),
      ...(fixedStart ? ['--start-at', String(options.startEpochMs)] : []),
      '--duration',
      `${Math.ceil(plan.durationMs / 1000) + (fixedStart ? PROBE_TAIL_S : PROBE_UNFIXED_TAIL_S)}s`,
      '--json',
      '-',
      '--quiet',
      ...ioArgs(options.io),
      ...(plan.probe.shards > 1 ? ['--shards', String(plan.probe.shards)] : []),
    ],
    env: {},
    secretEnv: {},
    mounts: [],
    restart: 'no',
    openStdin: false,
  };
}

export interface EngineContainerOptions {
  image: string;
  /** Where the participants send (the probe, or the system under test). */
  target: Endpoint;
  startEpochMs?: number;
  /** Serve each engine's Prometheus metrics on METRICS_BASE_PORT + partition. */
  metrics: boolean;
  /** UDP I/O of the participants (`--io`); `auto` or absent: each container decides. */
  io?: IoRequest;
}

/** One `avcm agent` container per partition (PARTITION_ID = N), reading the plan from a mounted file. */
export function engineContainers(plan: Plan, options: EngineContainerOptions): RunContainer[] {
  const start: Record<string, string> = options.startEpochMs !== undefined ? { AVCM_RUN_START_EPOCH_MS: String(options.startEpochMs) } : {};
  return Array.from({ length: plan.partitions }, (_, partition): RunContainer => ({
    service: `orchestrator-${partition}`,
    role: 'engine',
    partition,
    image: options.image,
    command: [
      'agent',
      '--plan',
      PLAN_IN_CONTAINER,
      '--target',
      formatUdpUrl(options.target),
      ...(options.metrics ? ['--metrics-port', String(METRICS_BASE_PORT + partition)] : []),
      ...ioArgs(options.io),
    ],
    env: { PARTITION_ID: String(partition), AVCM_CACHE_DIR: '/tmp/avcm-cache', ...start },
    secretEnv: {},
    mounts: [{ source: 'plan.json', target: PLAN_IN_CONTAINER }],
    restart: 'on-failure',
    openStdin: true,
  }));
}

/** Prometheus (scraping every engine on loopback) and Grafana with the avcm dashboard; both bound to loopback. */
export function monitoringContainers(): RunContainer[] {
  return [
    {
      service: 'prometheus',
      role: 'monitoring',
      partition: null,
      image: 'prom/prometheus:v2.53.0',
      command: ['--config.file=/etc/prometheus/prometheus.yml', `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`],
      env: {},
      secretEnv: {},
      mounts: [{ source: 'prometheus.yml', target: '/etc/prometheus/prometheus.yml' }],
      restart: 'no',
      openStdin: false,
    },
    {
      service: 'grafana',
      role: 'monitoring',
      partition: null,
      image: 'grafana/grafana:11.1.0',
      command: [],
      env: { GF_SERVER_HTTP_ADDR: '127.0.0.1', GF_SERVER_HTTP_PORT: String(GRAFANA_PORT) },
      secretEnv: { GF_SECURITY_ADMIN_PASSWORD: 'AVCM_GRAFANA_PASSWORD' },
      mounts: [
        { source: 'grafana/provisioning', target: '/etc/grafana/provisioning' },
        { source: 'grafana/dashboards', target: '/var/lib/grafana/dashboards' },
      ],
      restart: 'no',
      openStdin: false,
    },
  ];
}

/** The files the containers mount, relative to the run folder: the plan, and the monitoring configuration. */
export function runFiles(plan: Plan): { file: string; text: string }[] {
  const targets = Array.from({ length: plan.partitions }, (_, p) => `127.0.0.1:${METRICS_BASE_PORT + p}`);
  return [
    { file: 'plan.json', text: `${JSON.stringify(plan, null, 2)}\n` },
    {
      file: 'prometheus.yml',
      text: stringify({ global: { scrape_interval: '5s' }, scrape_configs: [{ job_name: 'avcm-engines', static_configs: [{ targets }] }] }),
    },
    {
      file: 'grafana/provisioning/datasources/datasource.yaml',
      text: stringify({ apiVersion: 1, datasources: [{ name: 'Prometheus', type: 'prometheus', url: `http://127.0.0.1:${PROMETHEUS_PORT}`, isDefault: true }] }),
    },
    {
      file: 'grafana/provisioning/dashboards/dashboards.yaml',
      text: stringify({ apiVersion: 1, providers: [{ name: 'avcm', type: 'file', options: { path: '/var/lib/grafana/dashboards' } }] }),
    },
    { file: 'grafana/dashboards/avcm.json', text: `${JSON.stringify(grafanaDashboard(), null, 2)}\n` },
  ];
}
