import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AvcmError } from '../../errors/index.js';
import type { Plan, PlannedSpike } from '../../plan/index.js';
import type { ProbeReport } from '../../probe/types.js';
import type { Backend, EngineTotals, LaunchOptions, RunHandle } from '../backend.js';
import { probeReportFromLog } from '../../probe/index.js';
import { RemotePartitions } from '../k8s/index.js';
import { composeFiles, composeProjectName } from './compose.js';

export interface DockerBackendOptions {
  /** Image with `avcm` as its entrypoint (build it with the repository's Dockerfile). */
  image: string;
  /** Leave the containers after the run. */
  keep?: boolean;
  /** Also start Prometheus + Grafana (`--profile monitoring`). */
  monitoring?: boolean;
  /** The run start is fixed this far after `up`, ms; default 20 000. */
  startDelayMs?: number;
  /** The docker CLI; default `docker` from PATH. */
  dockerPath?: string;
  /** Environment for the docker CLI (DOCKER_HOST, AVCM_TURN_SECRET, ...). */
  env?: NodeJS.ProcessEnv;
  /** How often containers are checked, ms; default 1000. */
  pollMs?: number;
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const DOCKER_HINT = 'install Docker Engine with the compose plugin and start it (or set DOCKER_HOST), or use --backend local';

/** Runs the docker CLI to completion; a missing binary becomes E_BACKEND. */
export function runDocker(dockerPath: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(dockerPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new AvcmError('E_BACKEND', `no Docker engine: the docker CLI (${dockerPath}) is not installed or not on PATH`, { hint: DOCKER_HINT })
          : new AvcmError('E_BACKEND', `cannot run ${dockerPath}: ${error.message}`, { hint: DOCKER_HINT, cause: error }),
      );
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Checks that the docker CLI, its daemon and the compose plugin are there; throws E_BACKEND saying which is missing. */
export async function checkDocker(dockerPath: string, env: NodeJS.ProcessEnv): Promise<{ serverVersion: string }> {
  const version = await runDocker(dockerPath, ['version', '--format', '{{.Server.Version}}'], env, 20_000);
  if (version.code !== 0) {
    const reason = version.stderr.trim().split('\n').pop() || `exit code ${version.code}`;
    throw new AvcmError('E_BACKEND', `no Docker engine reachable (${env.DOCKER_HOST ?? 'default socket'}): ${reason}`, { hint: DOCKER_HINT });
  }
  const compose = await runDocker(dockerPath, ['compose', 'version'], env, 20_000);
  if (compose.code !== 0) throw new AvcmError('E_BACKEND', 'the docker compose plugin is missing', { hint: DOCKER_HINT });
  return { serverVersion: version.stdout.trim() };
}

/**
 * Runs each partition as a container of one `docker compose` project (`orchestrator-N` with
 * PARTITION_ID=N), plus the probe; the run start is fixed in the containers' environment, agent
 * protocol lines come from `docker compose logs -f`, the probe's report from its log line.
 */
export class DockerBackend implements Backend {
  readonly name = 'docker' as const;

  constructor(private readonly options: DockerBackendOptions) {}

  async launch(plan: Plan, options: LaunchOptions): Promise<RunHandle> {
    const dockerPath = this.options.dockerPath ?? 'docker';
    // Compose interpolates ${AVCM_TURN_SECRET} and ${AVCM_GRAFANA_PASSWORD}; random ones when the user set none.
    const env = { ...(this.options.env ?? process.env) };
    env.AVCM_TURN_SECRET ||= randomBytes(32).toString('hex');
    env.AVCM_GRAFANA_PASSWORD ||= randomBytes(16).toString('hex');
    const { serverVersion } = await checkDocker(dockerPath, env);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-compose-'));
    const startEpochMs = Date.now() + (this.options.startDelayMs ?? 20_000);
    for (const { file, text } of composeFiles(plan, { image: this.options.image, startEpochMs, turn: plan.transport === 'webrtc' })) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    const project = composeProjectName(`avcm-${plan.scenario}-${Date.now().toString(36)}`);
    const handle = new DockerRunHandle(dockerPath, env, dir, project, plan, startEpochMs, this.options, options);
    options.log(`docker: starting ${plan.partitions} engine containers and the probe (engine ${serverVersion}, project ${project})`);
    try {
      await handle.up();
      await handle.waitReady(options.signal);
    } catch (error) {
      await handle.stop();
      throw error;
    }
    return handle;
  }
}

class DockerRunHandle implements RunHandle {
  private readonly tracker: RemotePartitions;
  private readonly followers: ChildProcess[] = [];
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly dockerPath: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly dir: string,
    private readonly project: string,
    private readonly plan: Plan,
    readonly startEpochMs: number,
    private readonly options: DockerBackendOptions,
    private readonly launch: LaunchOptions,
  ) {
    this.tracker = new RemotePartitions(plan.partitions);
  }

  private compose(args: string[], timeoutMs?: number): Promise<CliResult> {
    const profiles = this.options.monitoring ? ['--profile', 'monitoring'] : [];
    return runDocker(this.dockerPath, ['compose', '-p', this.project, '-f', path.join(this.dir, 'compose.yaml'), ...profiles, ...args], this.env, timeoutMs);
  }

  async up(): Promise<void> {
    const result = await this.compose(['up', '-d'], 600_000);
    if (result.code !== 0) {
      throw new AvcmError('E_BACKEND', `docker compose up failed: ${result.stderr.trim().split('\n').slice(-5).join('\n')}`, {
        hint: `is the image ${this.options.image} built? docker build -t ${this.options.image} .`,
      });
    }
    for (let partition = 0; partition < this.plan.partitions; partition++) {
      const child = spawn(this.dockerPath, ['compose', '-p', this.project, '-f', path.join(this.dir, 'compose.yaml'), 'logs', '-f', '--no-color', '--no-log-prefix', `orchestrator-${partition}`], {
        env: this.env,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      child.on('error', () => undefined);
      child.stdout!.on('data', this.tracker.reader(partition));
      this.followers.push(child);
    }
  }

  private async until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      if (signal?.aborted) throw new AvcmError('E_RUN', `interrupted while waiting for ${what}`);
      const failed = this.tracker.firstError();
      if (failed) throw new AvcmError('E_RUN', `partition ${failed.partition} (container orchestrator-${failed.partition}): ${failed.message}`, failed.hint ? { hint: failed.hint } : {});
      if (await check()) return;
      const line = `docker: ${this.tracker.readyCount}/${this.plan.partitions} engine containers ready`;
      if (line !== last) this.launch.log(line);
      last = line;
      if (Date.now() > deadline) {
        throw new AvcmError('E_BACKEND', `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}`, { hint: `docker compose -p ${this.project} logs` });
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 1_000));
    }
  }

  waitReady(signal: AbortSignal): Promise<void> {
    return this.until(() => this.tracker.readyCount === this.plan.partitions, this.startEpochMs - Date.now() + 60_000, 'the engine containers', signal);
  }

  start(runStartEpochMs: number): void {
    if (runStartEpochMs !== this.startEpochMs) this.launch.log('docker: the run start is fixed in the containers\' environment; ignoring another start time');
  }

  totals(): EngineTotals {
    return this.tracker.totals();
  }

  injectSpike(spike: PlannedSpike): void {
    this.launch.log(`docker: live spike ${spike.id} not applied: containers read their spikes from the plan file`);
  }

  finished(): Promise<void> {
    return this.until(() => this.tracker.doneCount === this.plan.partitions, this.startEpochMs - Date.now() + this.plan.durationMs + 120_000, 'the engine containers to finish', this.launch.signal);
  }

  async collectProbeReport(): Promise<ProbeReport | null> {
    const exited = async (): Promise<boolean> => {
      const ps = await this.compose(['ps', '-a', '--format', '{{.State}}', 'probe'], 30_000);
      return /exited|dead/.test(ps.stdout);
    };
    await this.until(exited, Math.max(30_000, this.startEpochMs - Date.now() + this.plan.durationMs + 60_000), 'the probe to write its report');
    const logs = await this.compose(['logs', '--no-color', '--no-log-prefix', 'probe'], 60_000);
    const report = probeReportFromLog(logs.stdout);
    if (!report) throw new AvcmError('E_BACKEND', 'the probe container left no report line in its log', { hint: `docker compose -p ${this.project} logs probe` });
    return report;
  }

  restarts(): { partition: number; count: number }[] {
    return this.tracker.restarts();
  }

  stop(): Promise<void> {
    this.stopping ??= this.teardown();
    return this.stopping;
  }

  private async teardown(): Promise<void> {
    for (const child of this.followers) child.kill();
    if (this.options.keep) {
      this.launch.log(`docker: keeping project ${this.project} (docker compose -p ${this.project} down -v)`);
      return;
    }
    await this.compose(['down', '-v', '--remove-orphans'], 120_000).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
