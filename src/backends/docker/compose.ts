import { stringify } from 'yaml';
import { grafanaDashboard } from '../k8s/dashboard.js';
import type { Plan } from '../../plan/index.js';

export interface ComposeOptions {
  /** Image with `avcm` as its entrypoint, e.g. `avcm:0.1.0`. */
  image: string;
  /** Fixed run start (epoch ms) shared by engines and probe; absent: engines start a second after ready. */
  startEpochMs?: number;
  /** coturn service under `profiles: [turn]` (default: true). Its secret comes from `AVCM_TURN_SECRET` when compose runs. */
  turn?: boolean;
}

const PROBE_PORT = 5002;
const METRICS_PORT = 9464;

/** Compose project names allow lowercase letters, digits, `-` and `_`. */
export function composeProjectName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
}

/**
 * The docker compose project for one run: services `orchestrator-0..P-1` (PARTITION_ID = N), the
 * probe (the default target), coturn, and Prometheus + Grafana under `profiles: [monitoring]`.
 * Relative paths (`./plan.json`, `./prometheus.yml`, `./grafana/`) are files `composeFiles` writes.
 */
export function composeProject(plan: Plan, options: ComposeOptions): Record<string, unknown> {
  const target = plan.target ?? { host: 'probe', port: PROBE_PORT };
  const start = options.startEpochMs !== undefined ? { AVCM_RUN_START_EPOCH_MS: String(options.startEpochMs) } : {};
  const services: Record<string, unknown> = {};
  for (let partition = 0; partition < plan.partitions; partition++) {
    services[`orchestrator-${partition}`] = {
      image: options.image,
      command: ['agent', '--plan', '/etc/avcm/plan.json', '--target', `udp://${target.host}:${target.port}`, '--metrics-port', String(METRICS_PORT)],
      environment: { PARTITION_ID: String(partition), AVCM_CACHE_DIR: '/tmp/avcm-cache', ...start },
      volumes: ['./plan.json:/etc/avcm/plan.json:ro'],
      ...(plan.target ? {} : { depends_on: ['probe'] }),
      restart: 'on-failure',
    };
  }
  services.probe = {
    image: options.image,
    command: [
      'receive',
      '--listen',
      `udp://0.0.0.0:${PROBE_PORT}`,
      ...(options.startEpochMs !== undefined ? ['--start-at', String(options.startEpochMs)] : []),
      '--duration',
      `${Math.ceil(plan.durationMs / 1000) + (options.startEpochMs !== undefined ? 2 : 60)}s`,
      '--json',
      '-',
      '--quiet',
    ],
    // A restarted probe would lose what it measured; the backend reads its report from the log.
    restart: 'no',
  };
  if (options.turn ?? true) {
    services.coturn = {
      image: 'coturn/coturn:4.6.2',
      // compose interpolates the secret from the environment at `up`; it is never written here.
      command: ['-n', '--log-file=stdout', '--no-cli', '--fingerprint', '--use-auth-secret', '--static-auth-secret=${AVCM_TURN_SECRET:?set AVCM_TURN_SECRET}', '--realm=avcm'],
      ports: ['3478:3478/udp', '3478:3478/tcp'],
      profiles: ['turn'],
    };
  }
  services.prometheus = {
    image: 'prom/prometheus:v2.53.0',
    command: ['--config.file=/etc/prometheus/prometheus.yml'],
    volumes: ['./prometheus.yml:/etc/prometheus/prometheus.yml:ro'],
    ports: ['9090:9090'],
    profiles: ['monitoring'],
  };
  services.grafana = {
    image: 'grafana/grafana:11.1.0',
    environment: { GF_SECURITY_ADMIN_PASSWORD: '${AVCM_GRAFANA_PASSWORD:?set AVCM_GRAFANA_PASSWORD}' },
    volumes: ['./grafana/provisioning:/etc/grafana/provisioning:ro', './grafana/dashboards:/var/lib/grafana/dashboards:ro'],
    ports: ['3000:3000'],
    profiles: ['monitoring'],
  };
  return { name: composeProjectName(`avcm-${plan.scenario}`), services };
}

/** Every file the compose project refers to, relative to one folder: compose.yaml first. */
export function composeFiles(plan: Plan, options: ComposeOptions): { file: string; text: string }[] {
  const targets = Array.from({ length: plan.partitions }, (_, p) => `orchestrator-${p}:${METRICS_PORT}`);
  return [
    { file: 'compose.yaml', text: stringify(composeProject(plan, options), { lineWidth: 0 }) },
    { file: 'plan.json', text: `${JSON.stringify(plan, null, 2)}\n` },
    {
      file: 'prometheus.yml',
      text: stringify({ global: { scrape_interval: '5s' }, scrape_configs: [{ job_name: 'avcm-engines', static_configs: [{ targets }] }] }),
    },
    {
      file: 'grafana/provisioning/datasources/datasource.yaml',
      text: stringify({ apiVersion: 1, datasources: [{ name: 'Prometheus', type: 'prometheus', url: 'http://prometheus:9090', isDefault: true }] }),
    },
    {
      file: 'grafana/provisioning/dashboards/dashboards.yaml',
      text: stringify({ apiVersion: 1, providers: [{ name: 'avcm', type: 'file', options: { path: '/var/lib/grafana/dashboards' } }] }),
    },
    { file: 'grafana/dashboards/avcm.json', text: `${JSON.stringify(grafanaDashboard(), null, 2)}\n` },
  ];
}
