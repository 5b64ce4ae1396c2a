import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodeLine, lineReader, type AgentEvent } from '../../engine/agent-protocol.js';
import { AvcmError, ERROR_CODES, type ErrorCode } from '../../errors/index.js';
import { mediaCacheDir } from '../../media/index.js';
import type { Endpoint, Plan, PlannedSpike } from '../../plan/index.js';
import { probeReportFromLog } from '../../probe/index.js';
import type { ProbeReport } from '../../probe/types.js';
import { parseUdpUrl } from '../../scenario/units.js';
import type { Backend, EngineTotals, LaunchOptions, RunHandle } from '../backend.js';
import { RemotePartitions } from '../k8s/index.js';
import { probeAndTarget, reachable } from './compose.js';
import { fitProbeReport } from './fit-windows.js';
import { DockerClient, DOCKER_HINT, type ContainerUsage, type RunContainerHandle } from './docker-client.js';
import { engineContainers, monitoringContainers, probeContainer, runFiles, type RunContainer } from './run-containers.js';

export interface DockerBackendOptions {
  /** Image with `avcm` as its entrypoint (scripts/docker-local.sh builds it, or the repository's Dockerfile). */
  image: string;
  /** Leave the containers after the run (to read their logs); they carry the label avcm.dev/run-id. */
  keep?: boolean;
  /** Also run Prometheus + Grafana (their images must be present or pullable). */
  monitoring?: boolean;
  /** The run start is fixed this far after the containers are created, ms; default 10 000. */
  startDelayMs?: number;
  /** DOCKER_HOST (and TLS settings), AVCM_GRAFANA_PASSWORD, AVCM_CACHE_DIR; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The scenario's folder: mounted read-only when the plan names media files of its own. */
  baseDir?: string;
  /** How often containers are inspected, ms; default 1000. */
  pollMs?: number;
}

/** Labels on every container of a run: `docker ps -a --filter label=avcm.dev/run-id=RUN` finds them. */
export const RUN_ID_LABEL = 'avcm.dev/run-id';
const ROLE_LABEL = 'avcm.dev/role';
const STOP_GRACE_S = 5;
const PROBE_LISTEN_TIMEOUT_MS = 30_000;
const STDERR_TAIL_LINES = 20;
const SCENARIO_IN_CONTAINER = '/mnt/avcm/scenario';
const CACHE_IN_CONTAINER = '/var/cache/avcm-media';

/** A UDP port nothing on this host is bound to right now (the OS picks it). */
function freeUdpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** A container name from free text: [a-z0-9_.-], starting with a letter or digit. */
function containerName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 100) || 'avcm';
}

/**
 * Runs each partition as a container on a Docker engine, through its API: `orchestrator-N` runs
 * `avcm agent` with PARTITION_ID=N, the probe runs `avcm receive`, all on the host's network (no
 * bridge; ports are the host's, so partitions use distinct source ports as local processes do).
 * The run start is fixed in the containers' environment, so a restarted container rejoins the
 * frame grid; agent protocol lines come from the containers' logs, live spikes go to their stdin,
 * the probe's report is its last log line. Containers are removed afterwards, also on failure
 * and interruption (unless `keep`).
 */
export class DockerBackend implements Backend {
  readonly name = 'docker' as const;

  constructor(private readonly options: DockerBackendOptions) {}

  async launch(plan: Plan, options: LaunchOptions): Promise<RunHandle> {
    if (plan.transport === 'webrtc') {
      throw new AvcmError('E_BACKEND', 'WebRTC participants run on the local backend only: the docker backend measures plain RTP with its probe container', {
        hint: 'use --backend local for transport: webrtc',
      });
    }
    const env = this.options.env ?? process.env;
    const client = await DockerClient.connect(env);
    const monitoring = this.options.monitoring ? monitoringContainers() : [];
    for (const image of new Set([this.options.image, ...monitoring.map((m) => m.image)])) await client.ensureImage(image, options.log);
    const runId = containerName(`${plan.scenario}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-docker-'));
    // The containers run as an unprivileged user: the mounted files must be readable by anyone.
    await chmod(dir, 0o755);
    for (const { file, text } of runFiles(plan)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true, mode: 0o755 });
      await writeFile(path.join(dir, file), text, { mode: 0o644 });
    }
    const handle = new DockerRunHandle(client, plan, runId, dir, monitoring, this.options, options);
    options.log(`docker: run ${runId}: ${plan.partitions} engine container${plan.partitions === 1 ? '' : 's'} and the probe on engine ${client.serverVersion} (${client.endpoint}), image ${this.options.image}, host network`);
    try {
      await handle.createAndStart(options.signal);
      await handle.waitReady(options.signal);
    } catch (error) {
      await handle.stop();
      throw error;
    }
    return handle;
  }
}

interface EngineContainer {
  partition: number;
  container: RunContainerHandle;
  writeStdin: (text: string) => void;
  stderrTail: string[];
  restartsSeen: number;
  /** Its `done` line was read: exiting afterwards is the normal end. */
  done: boolean;
  usage: ContainerUsage | null;
}

class DockerRunHandle implements RunHandle {
  readonly startEpochMs: number;
  private readonly tracker: RemotePartitions;
  private readonly engines: EngineContainer[] = [];
  private readonly others: RunContainerHandle[] = [];
  private probe: RunContainerHandle | null = null;
  private probeStderr = '';
  private probeLogAtStop: string | null = null;
  private stopping: Promise<void> | null = null;
  private lastProgress = '';

  constructor(
    private readonly client: DockerClient,
    private readonly plan: Plan,
    private readonly runId: string,
    private readonly dir: string,
    private readonly monitoring: RunContainer[],
    private readonly options: DockerBackendOptions,
    private readonly launch: LaunchOptions,
  ) {
    this.tracker = new RemotePartitions(plan.partitions);
    this.startEpochMs = Date.now() + (options.startDelayMs ?? 10_000);
  }

  private labels(role: string): Record<string, string> {
    return { [RUN_ID_LABEL]: this.runId, [ROLE_LABEL]: role, 'avcm.dev/scenario': containerName(this.plan.scenario) };
  }

  private nameOf(service: string): string {
    return `avcm-${this.runId}-${service}`;
  }

  /** Environment of a container: its own, plus secrets from the host's environment (random when unset). */
  private envOf(spec: RunContainer): Record<string, string> {
    const env = this.options.env ?? process.env;
    const secrets = Object.fromEntries(Object.entries(spec.secretEnv).map(([name, from]) => [name, env[from] || randomBytes(16).toString('hex')]));
    return { ...spec.env, ...secrets };
  }

  /** Media the engines need beyond the image: the scenario's own files and the converted-media cache the runner filled. */
  private mediaMounts(): { binds: string[]; args: string[]; env: Record<string, string> } {
    const binds: string[] = [];
    const args: string[] = [];
    const env: Record<string, string> = {};
    const ownFiles = this.plan.media.video?.file != null || this.plan.media.audio?.file != null;
    if (ownFiles && this.options.baseDir) {
      binds.push(`${path.resolve(this.options.baseDir)}:${SCENARIO_IN_CONTAINER}:ro`);
      args.push('--base-dir', SCENARIO_IN_CONTAINER);
    }
    const cache = mediaCacheDir(this.options.env ?? process.env);
    if (existsSync(cache)) {
      // Converted media are named by content, so the engines find what the runner converted without ffmpeg.
      binds.push(`${cache}:${CACHE_IN_CONTAINER}:ro`);
      env.AVCM_CACHE_DIR = CACHE_IN_CONTAINER;
    }
    return { binds, args, env };
  }

  /** Probe first (the engines need its address), then one container per partition, then monitoring. */
  async createAndStart(signal: AbortSignal): Promise<void> {
    const image = this.options.image;
    const chosen = probeAndTarget(this.plan, 0);
    // The containers share the host's ports: a port free here now is free for the probe a moment later.
    const listen = chosen.listen.port === 0 ? { host: chosen.listen.host, port: await freeUdpPort(chosen.listen.host) } : chosen.listen;
    const planned = chosen.target;
    const probeSpec = probeContainer(this.plan, { image, listen, startEpochMs: this.startEpochMs, io: this.launch.io });
    this.probe = await this.client.create(this.nameOf(probeSpec.service), probeSpec, { binds: [], env: this.envOf(probeSpec), labels: this.labels('probe') });
    // Following a container's log works once it runs; from time 0 nothing it wrote is missed.
    await this.probe.start();
    await this.probe.followLogs(0, () => undefined, (chunk) => (this.probeStderr += chunk.toString()));
    const listening = await this.probeAddress(signal);
    const target = planned ?? reachable(listening);
    this.launch.log(`docker: probe listening on udp://${listening.host}:${listening.port}; engines send to udp://${target.host}:${target.port}`);

    const media = this.mediaMounts();
    for (const spec of engineContainers(this.plan, { image, target, startEpochMs: this.startEpochMs, metrics: this.monitoring.length > 0, io: this.launch.io })) {
      const partition = spec.partition!;
      const withMedia: RunContainer = { ...spec, command: [...spec.command, ...media.args] };
      const binds = [...spec.mounts.map((m) => `${path.join(this.dir, m.source)}:${m.target}:ro`), ...media.binds];
      const container = await this.client.create(this.nameOf(spec.service), withMedia, { binds, env: { ...this.envOf(spec), ...media.env }, labels: this.labels('engine') });
      const engine: EngineContainer = { partition, container, writeStdin: () => undefined, stderrTail: [], restartsSeen: 0, done: false, usage: null };
      this.engines.push(engine);
      engine.writeStdin = await container.attachStdin();
      await container.start();
      await this.follow(engine, 0);
    }
    for (const spec of this.monitoring) {
      const binds = spec.mounts.map((m) => `${path.join(this.dir, m.source)}:${m.target}:ro`);
      const container = await this.client.create(this.nameOf(spec.service), spec, { binds, env: this.envOf(spec), labels: this.labels('monitoring') });
      this.others.push(container);
      await container.start();
    }
  }

  private async follow(engine: EngineContainer, sinceEpochMs: number): Promise<void> {
    const onStderr = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) engine.stderrTail.push(line);
      engine.stderrTail.splice(0, Math.max(0, engine.stderrTail.length - STDERR_TAIL_LINES));
    };
    const onEvent = lineReader<AgentEvent>((event) => {
      if (event.type === 'done') engine.done = true;
      this.tracker.onEvent(engine.partition, event);
    });
    await engine.container.followLogs(sinceEpochMs, onEvent, onStderr);
  }

  /** Waits until the probe says on stderr where it listens (`avcm: probe listening on udp://H:P ...`). */
  private async probeAddress(signal: AbortSignal): Promise<Endpoint> {
    const deadline = Date.now() + PROBE_LISTEN_TIMEOUT_MS;
    for (;;) {
      const match = /listening on (udp:\/\/\S+)/.exec(this.probeStderr);
      const address = match ? parseUdpUrl(match[1]) : null;
      if (address) return address;
      if (signal.aborted) throw new AvcmError('E_RUN', 'interrupted while starting the probe container');
      const state = await this.probe!.state();
      if (state.status === 'exited' || state.status === 'dead' || Date.now() > deadline) {
        const said = (this.probeStderr.trim() || (await this.probe!.readLogs()).stderr.trim()).split('\n').slice(-5).join('\n');
        throw new AvcmError('E_BACKEND', `the probe container did not start listening (${state.status}, exit code ${state.exitCode})${said ? `:\n${said}` : ''}`, {
          hint: `is the image ${this.options.image} an avcm image? Is the probe's address free on this host?`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Inspects the engine containers: restarts (their log is followed again from the new start), exits before `done`, resource use. */
  private async poll(): Promise<void> {
    for (const engine of this.engines) {
      const state = await engine.container.state();
      if (state.restartCount > engine.restartsSeen) {
        engine.restartsSeen = state.restartCount;
        this.tracker.setRestarts(engine.partition, state.restartCount);
        this.launch.log(`docker: ${engine.container.name} restarted (${state.restartCount}); it rejoins the run from the plan`);
        await this.follow(engine, state.startedAtEpochMs);
      }
      if ((state.status === 'exited' || state.status === 'dead') && !engine.done) {
        const tail = engine.stderrTail.slice(-5).join('\n');
        const why = state.oomKilled ? 'was killed for running out of memory' : `exited with code ${state.exitCode}`;
        throw new AvcmError('E_RUN', `partition ${engine.partition} (container ${engine.container.name}) ${why} before finishing${tail ? `:\n${tail}` : ''}`, {
          hint: `docker logs ${engine.container.name} (run with --keep to leave it in place)`,
        });
      }
      if (state.status === 'running') engine.usage = (await engine.container.usage().catch(() => null)) ?? engine.usage;
    }
  }

  private async until(check: () => boolean, timeoutMs: number, what: string, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (signal?.aborted) throw new AvcmError('E_RUN', `interrupted while waiting for ${what}`);
      const failed = this.tracker.firstError();
      if (failed) {
        const code: ErrorCode = failed.code in ERROR_CODES ? (failed.code as ErrorCode) : 'E_RUN';
        throw new AvcmError(code, `partition ${failed.partition} (container ${this.nameOf(`orchestrator-${failed.partition}`)}): ${failed.message}`, failed.hint ? { hint: failed.hint } : {});
      }
      if (check()) return;
      await this.poll();
      const line = `docker: ${this.tracker.readyCount}/${this.plan.partitions} engine containers ready, ${this.tracker.doneCount} done`;
      if (line !== this.lastProgress) this.launch.log(line);
      this.lastProgress = line;
      if (Date.now() > deadline) {
        throw new AvcmError('E_BACKEND', `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}`, { hint: `docker ps -a --filter label=${RUN_ID_LABEL}=${this.runId}; docker logs CONTAINER (with --keep)` });
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 1_000));
    }
  }

  waitReady(signal: AbortSignal): Promise<void> {
    // Containers not ready by the fixed start still join late on the same frame grid; give them a minute past it.
    return this.until(() => this.tracker.readyCount === this.plan.partitions, this.startEpochMs - Date.now() + 60_000, 'the engine containers', signal);
  }

  start(runStartEpochMs: number): void {
    if (runStartEpochMs !== this.startEpochMs) this.launch.log("docker: the run start is fixed in the containers' environment; ignoring another start time");
  }

  totals(): EngineTotals {
    return this.tracker.totals();
  }

  /** Live spikes go to every engine's stdin (the agent protocol); a container that restarts later knows only the plan's spikes. */
  injectSpike(spike: PlannedSpike): void {
    const line = encodeLine({ type: 'spike', spike });
    for (const engine of this.engines) engine.writeStdin(line);
  }

  async finished(): Promise<void> {
    await this.until(() => this.tracker.doneCount === this.plan.partitions, this.startEpochMs - Date.now() + this.plan.durationMs + 120_000, 'the engine containers to finish', this.launch.signal);
    for (const engine of this.engines) {
      if (!engine.usage) continue;
      const peak = engine.usage.memoryPeakBytes ?? engine.usage.memoryBytes;
      this.launch.log(`docker: ${engine.container.name}: ${engine.usage.cpuSeconds.toFixed(1)} s CPU, ${(peak / 2 ** 20).toFixed(0)} MiB memory (cgroup, last sample)`);
    }
  }

  async collectProbeReport(): Promise<ProbeReport | null> {
    if (this.probeLogAtStop === null) {
      await this.probeExited(Math.max(30_000, this.startEpochMs - Date.now() + this.plan.durationMs + 60_000));
    }
    const log = this.probeLogAtStop ?? (await this.probe!.readLogs()).stdout;
    const report = probeReportFromLog(log);
    if (!report) {
      throw new AvcmError('E_BACKEND', `the probe container ${this.nameOf('probe')} left no report line in its log`, { hint: 'run with --keep and read it: docker logs CONTAINER' });
    }
    return fitProbeReport(report, Math.max(1, Math.ceil(this.plan.durationMs / report.windowMs)));
  }

  private async probeExited(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.probe!.state();
      if (state.status === 'exited' || state.status === 'dead') return;
      if (Date.now() > deadline) throw new AvcmError('E_BACKEND', `the probe container is still ${state.status} ${Math.round(timeoutMs / 1000)}s after the run`, { hint: DOCKER_HINT });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  restarts(): { partition: number; count: number }[] {
    return this.tracker.restarts();
  }

  stop(): Promise<void> {
    this.stopping ??= this.teardown();
    return this.stopping;
  }

  /**
   * Engines get SIGTERM (they stop sending and report `done`), the probe too (it prints what it
   * measured so far, kept for collectProbeReport), then every container of the run is removed.
   */
  private async teardown(): Promise<void> {
    const all = [...this.engines.map((e) => e.container), ...(this.probe ? [this.probe] : []), ...this.others];
    if (this.options.keep) {
      for (const container of all) container.detach();
      this.launch.log(`docker: keeping the run's containers (docker rm -f $(docker ps -aq --filter label=${RUN_ID_LABEL}=${this.runId}))`);
      return;
    }
    await Promise.all(this.engines.map((e) => e.container.stop(STOP_GRACE_S).catch(() => undefined)));
    if (this.probe) {
      await this.probe.stop(STOP_GRACE_S).catch(() => undefined);
      this.probeLogAtStop = await this.probe.readLogs().then((logs) => logs.stdout, () => '');
    }
    const failures: string[] = [];
    await Promise.all(all.map((c) => c.remove().catch((error: Error) => failures.push(`${c.name}: ${error.message}`))));
    if (failures.length > 0) this.launch.log(`docker: could not remove ${failures.join('; ')}`);
    await rm(this.dir, { recursive: true, force: true });
  }
}
