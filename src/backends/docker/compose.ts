import { stringify } from 'yaml';
import type { Endpoint, Plan } from '../../plan/index.js';
import { engineContainers, monitoringContainers, probeContainer, runFiles, type RunContainer } from './run-containers.js';

export interface ComposeOptions {
  /** Image with `avcm` as its entrypoint, e.g. `avcm:0.1.0`. */
  image: string;
  /** Fixed run start (epoch ms) shared by engines and probe; absent: engines start a second after ready. */
  startEpochMs?: number;
  /** coturn service under `profiles: [turn]` (default: true). Its secret comes from `AVCM_TURN_SECRET` when compose runs. */
  turn?: boolean;
}

/** The probe's port in a compose project (the backend lets the OS choose one instead). */
export const COMPOSE_PROBE_PORT = 5002;
const TURN_PORT = 3478;

/** Compose project names allow lowercase letters, digits, `-` and `_`. */
export function composeProjectName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
}

/**
 * Where the probe listens and where the engines send: the scenario's `probe.listen` and `target`
 * when set, else the probe on loopback at `defaultPort` (0: the OS chooses), which is then also the target.
 */
export function probeAndTarget(plan: Plan, defaultPort: number): { listen: Endpoint; target: Endpoint | null } {
  const listen = plan.probeListen ?? plan.target ?? { host: '127.0.0.1', port: defaultPort };
  return { listen, target: plan.target ?? (listen.port === 0 ? null : reachable(listen)) };
}

/** The address to send to for a probe listening on `listen` (a wildcard is reached on loopback). */
export function reachable(listen: Endpoint): Endpoint {
  return listen.host === '0.0.0.0' || listen.host === '::' ? { host: '127.0.0.1', port: listen.port } : listen;
}

function composeService(container: RunContainer): Record<string, unknown> {
  const secrets = Object.fromEntries(Object.entries(container.secretEnv).map(([name, from]) => [name, `\${${from}:?set ${from}}`]));
  const env = { ...container.env, ...secrets };
  return {
    image: container.image,
    ...(container.command.length > 0 ? { command: container.command } : {}),
    ...(Object.keys(env).length > 0 ? { environment: env } : {}),
    ...(container.mounts.length > 0 ? { volumes: container.mounts.map((m) => `./${m.source}:${m.target}:ro`) } : {}),
    network_mode: 'host',
    ...(container.openStdin ? { stdin_open: true } : {}),
    restart: container.restart,
    ...(container.role === 'monitoring' ? { profiles: ['monitoring'] } : {}),
  };
}

/**
 * The docker compose project for one run, the same containers `--backend docker` creates: services
 * `orchestrator-0..P-1` (PARTITION_ID = N), the probe (the default target, on 127.0.0.1:5002),
 * coturn under `profiles: [turn]`, Prometheus + Grafana under `profiles: [monitoring]`. Every
 * service uses the host's network. Relative paths are files {@link composeFiles} writes.
 */
export function composeProject(plan: Plan, options: ComposeOptions): Record<string, unknown> {
  const { listen, target } = probeAndTarget(plan, COMPOSE_PROBE_PORT);
  const probe = probeContainer(plan, { image: options.image, listen, startEpochMs: options.startEpochMs });
  const engines = engineContainers(plan, { image: options.image, target: target ?? reachable(listen), startEpochMs: options.startEpochMs, metrics: true });
  const services: Record<string, unknown> = {};
  for (const engine of engines) services[engine.service] = { ...composeService(engine), ...(plan.target ? {} : { depends_on: ['probe'] }) };
  services.probe = composeService(probe);
  if (options.turn ?? true) {
    services.coturn = {
      image: 'coturn/coturn:4.6.2',
      // compose interpolates the secret from the environment at `up`; it is never written here.
      command: ['-n', '--log-file=stdout', '--no-cli', '--fingerprint', '--use-auth-secret', '--static-auth-secret=${AVCM_TURN_SECRET:?set AVCM_TURN_SECRET}', '--realm=avcm', `--listening-port=${TURN_PORT}`],
      network_mode: 'host',
      profiles: ['turn'],
    };
  }
  for (const monitoring of monitoringContainers()) services[monitoring.service] = composeService(monitoring);
  return { name: composeProjectName(`avcm-${plan.scenario}`), services };
}

/** Every file the compose project refers to, relative to one folder: compose.yaml first. */
export function composeFiles(plan: Plan, options: ComposeOptions): { file: string; text: string }[] {
  return [{ file: 'compose.yaml', text: stringify(composeProject(plan, options), { lineWidth: 0 }) }, ...runFiles(plan)];
}
