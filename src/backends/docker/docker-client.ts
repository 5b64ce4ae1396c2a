/**
 * The one seam to the Docker Engine API (dockerode): connecting, images, and the few container
 * operations a run needs. Nothing else in avcm imports dockerode.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import { AvcmError } from '../../errors/index.js';
import type { RunContainer } from './run-containers.js';

export const DOCKER_HINT = 'start a Docker engine (on this machine: scripts/docker-local.sh start) or set DOCKER_HOST, or use --backend local';
const DEFAULT_SOCKET = '/var/run/docker.sock';
const CONNECT_TIMEOUT_MS = 10_000;
const PULL_TIMEOUT_MS = 600_000;

/** Which engine `DOCKER_HOST` names (unix:///path or tcp://host:port, TLS from DOCKER_CERT_PATH); default the local socket. */
export function dockerEndpoint(env: NodeJS.ProcessEnv): { label: string; options: Docker.DockerOptions } {
  const host = env.DOCKER_HOST?.trim();
  if (!host) return { label: `unix://${DEFAULT_SOCKET}`, options: { socketPath: DEFAULT_SOCKET } };
  if (host.startsWith('unix://')) return { label: host, options: { socketPath: host.slice('unix://'.length) } };
  const tcp = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(host);
  if (!tcp) {
    throw new AvcmError('E_BACKEND', `DOCKER_HOST=${host} is not supported: avcm speaks to unix:///PATH or tcp://HOST:PORT`, { hint: DOCKER_HINT });
  }
  const options: Docker.DockerOptions = { host: tcp[1].replace(/^\[|\]$/g, ''), port: Number(tcp[2]), protocol: 'http' };
  if (env.DOCKER_TLS_VERIFY === '1' || env.DOCKER_CERT_PATH) {
    const dir = env.DOCKER_CERT_PATH ?? path.join(env.HOME ?? '', '.docker');
    const read = (file: string): Buffer => readFileSync(path.join(dir, file));
    try {
      Object.assign(options, { protocol: 'https', ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') });
    } catch (error) {
      throw new AvcmError('E_BACKEND', `cannot read the TLS files for ${host} in ${dir}: ${(error as Error).message}`, { hint: 'set DOCKER_CERT_PATH to the folder holding ca.pem, cert.pem and key.pem' });
    }
  }
  return { label: host, options };
}

/** A dockerode error's own words (the engine's JSON message when there is one). */
function reason(error: unknown): string {
  const json = (error as { json?: { message?: string } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message;
  return error instanceof Error ? error.message : String(error);
}

function statusCode(error: unknown): number | undefined {
  return (error as { statusCode?: number } | null)?.statusCode;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000}s (${what})`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Splits the engine's multiplexed log format (8-byte frame headers: stream, 3 zero bytes, size) into stdout and stderr. */
export function demuxLogs(buffer: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(at + 4);
    const frame = buffer.subarray(at + 8, at + 8 + size);
    if (buffer[at] === 2) err.push(frame);
    else out.push(frame);
    at += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** What the engine says about a container now. */
export interface ContainerState {
  status: 'created' | 'running' | 'restarting' | 'exited' | 'dead' | 'paused' | 'removing' | string;
  exitCode: number;
  restartCount: number;
  oomKilled: boolean;
  /** When its current (or last) process started, epoch ms. */
  startedAtEpochMs: number;
}

/** A container's resource use as the engine measures it (its cgroup), not as the process reports itself. */
export interface ContainerUsage {
  cpuSeconds: number;
  memoryBytes: number;
  /** Highest memory use so far where the engine tells it (cgroup v1), else null. */
  memoryPeakBytes: number | null;
}

/** A connected engine. Created by {@link DockerClient.connect}; one per run. */
export class DockerClient {
  private constructor(
    private readonly docker: Docker,
    readonly endpoint: string,
    readonly serverVersion: string,
  ) {}

  /** Connects and asks the engine's version; throws E_BACKEND naming the endpoint when nothing answers. */
  static async connect(env: NodeJS.ProcessEnv, timeoutMs = CONNECT_TIMEOUT_MS): Promise<DockerClient> {
    const { label, options } = dockerEndpoint(env);
    const docker = new Docker(options);
    try {
      const version = await withTimeout(docker.version(), timeoutMs, 'GET /version');
      return new DockerClient(docker, label, version.Version);
    } catch (error) {
      throw new AvcmError('E_BACKEND', `no Docker engine reachable (${label}): ${reason(error)}`, { hint: DOCKER_HINT, cause: error });
    }
  }

  /** Makes sure the image is present: pulls it when missing; E_BACKEND with a build hint when that fails. */
  async ensureImage(image: string, log: (line: string) => void): Promise<void> {
    try {
      await this.docker.getImage(image).inspect();
      return;
    } catch (error) {
      if (statusCode(error) !== 404) throw new AvcmError('E_BACKEND', `cannot inspect image ${image}: ${reason(error)}`, { hint: DOCKER_HINT, cause: error });
    }
    log(`docker: image ${image} not present, pulling it`);
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          void this.docker.pull(image).then(
            (stream) => this.docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
            reject,
          );
        }),
        PULL_TIMEOUT_MS,
        `pulling ${image}`,
      );
    } catch (error) {
      throw new AvcmError('E_BACKEND', `image ${image} is not present on the engine and cannot be pulled: ${reason(error)}`, {
        hint: `build it: scripts/docker-local.sh start (no registry needed), or docker build -t ${image} . in the repository; or pass --image`,
        cause: error,
      });
    }
  }

  /**
   * Creates (not starts) one container of a run on the host's network. `binds` are `host:container:ro`
   * bind mounts, `env` the final environment (secrets already filled in).
   */
  async create(name: string, spec: RunContainer, options: { binds: string[]; env: Record<string, string>; labels: Record<string, string> }): Promise<RunContainerHandle> {
    try {
      const container = await this.docker.createContainer({
        name,
        Image: spec.image,
        Cmd: spec.command,
        Env: Object.entries(options.env).map(([key, value]) => `${key}=${value}`),
        Labels: options.labels,
        OpenStdin: spec.openStdin,
        // Stdin stays open for the agent when an attached client goes away.
        StdinOnce: false,
        AttachStdin: false,
        AttachStdout: false,
        AttachStderr: false,
        Tty: false,
        HostConfig: {
          NetworkMode: 'host',
          Binds: options.binds,
          RestartPolicy: spec.restart === 'on-failure' ? { Name: 'on-failure', MaximumRetryCount: 3 } : { Name: 'no' },
          Init: true,
        },
      });
      return new RunContainerHandle(this.docker, container, name);
    } catch (error) {
      throw new AvcmError('E_BACKEND', `cannot create container ${name}: ${reason(error)}`, { hint: DOCKER_HINT, cause: error });
    }
  }

  /** A container avcm did not create, by name or id: the system under test of a scenario's `sut: { driver: docker }`. */
  sutContainer(name: string): SutContainer {
    return new SutContainer(this.docker.getContainer(name), name);
  }

  /** The containers carrying `label=value` (any state), with their network mode (`host` for avcm's). */
  async containersLabelled(label: string, value: string): Promise<{ name: string; state: string; networkMode: string; labels: Record<string, string> }[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${label}=${value}`] } });
    return list.map((c) => ({ name: (c.Names[0] ?? c.Id).replace(/^\//, ''), state: c.State, networkMode: c.HostConfig.NetworkMode, labels: c.Labels }));
  }
}

/** One created container of a run. */
export class RunContainerHandle {
  private readonly streams: { destroy(): void }[] = [];

  constructor(
    private readonly docker: Docker,
    private readonly container: Docker.Container,
    readonly name: string,
  ) {}

  async start(): Promise<void> {
    try {
      await this.container.start();
    } catch (error) {
      throw new AvcmError('E_BACKEND', `cannot start container ${this.name}: ${reason(error)}`, { hint: DOCKER_HINT, cause: error });
    }
  }

  /**
   * Follows the container's output from `sinceEpochMs` (0: from its creation) until it stops:
   * stdout and stderr chunks as they come. Ends quietly when the container is removed.
   */
  async followLogs(sinceEpochMs: number, onStdout: (chunk: Buffer) => void, onStderr: (chunk: Buffer) => void, onEnd: () => void = () => undefined): Promise<void> {
    const stream = (await this.container.logs({ follow: true, stdout: true, stderr: true, since: Math.floor(sinceEpochMs / 1000) })) as NodeJS.ReadableStream & { destroy(): void };
    const sink = (deliver: (chunk: Buffer) => void): Writable =>
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          deliver(chunk);
          done();
        },
      });
    this.docker.modem.demuxStream(stream, sink(onStdout), sink(onStderr));
    stream.on('error', () => undefined);
    stream.on('end', onEnd);
    this.streams.push(stream);
  }

  /** Everything the container wrote so far. */
  async readLogs(): Promise<{ stdout: string; stderr: string }> {
    const buffer = await this.container.logs({ follow: false, stdout: true, stderr: true });
    return demuxLogs(buffer);
  }

  /** Attaches to the container's stdin; the returned function writes to it (dropped when the container is gone). */
  async attachStdin(): Promise<(text: string) => void> {
    const stream = (await this.container.attach({ stream: true, hijack: true, stdin: true, stdout: false, stderr: false })) as NodeJS.ReadWriteStream & { destroy(): void; writable: boolean };
    stream.on('error', () => undefined);
    this.streams.push(stream);
    return (text) => {
      if (stream.writable) stream.write(text);
    };
  }

  /** Throws E_BACKEND when the engine cannot say (gone, or removed by someone else). */
  async state(): Promise<ContainerState> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.container.inspect();
    } catch (error) {
      const what = statusCode(error) === 404 ? 'is gone (removed outside avcm?)' : `cannot be inspected: ${reason(error)}`;
      throw new AvcmError('E_BACKEND', `container ${this.name} ${what}`, { hint: DOCKER_HINT, cause: error });
    }
    return {
      status: info.State.Status,
      exitCode: info.State.ExitCode,
      restartCount: info.RestartCount,
      oomKilled: info.State.OOMKilled,
      startedAtEpochMs: Date.parse(info.State.StartedAt) || 0,
    };
  }

  /** One sample of the container's cgroup figures; null when it is not running. */
  async usage(): Promise<ContainerUsage | null> {
    const stats = await this.container.stats({ stream: false, 'one-shot': true });
    const cpuNs = stats.cpu_stats?.cpu_usage?.total_usage ?? 0;
    const memory = stats.memory_stats ?? {};
    if (!stats.read || stats.read.startsWith('0001-') || cpuNs === 0) return null;
    return { cpuSeconds: cpuNs / 1e9, memoryBytes: memory.usage ?? 0, memoryPeakBytes: memory.max_usage ?? null };
  }

  /** SIGTERM, then SIGKILL after `graceSeconds`; already stopped is fine. */
  async stop(graceSeconds: number): Promise<void> {
    try {
      await this.container.stop({ t: graceSeconds });
    } catch (error) {
      if (statusCode(error) !== 304 && statusCode(error) !== 404) throw error;
    }
  }

  /** Removes the container (stopping it first) and ends every stream of it; gone already is fine. */
  async remove(): Promise<void> {
    for (const stream of this.streams.splice(0)) stream.destroy();
    try {
      await this.container.remove({ force: true, v: true });
    } catch (error) {
      // 404: gone already; 409: the engine is removing it already.
      if (statusCode(error) !== 404 && statusCode(error) !== 409) throw error;
    }
  }

  /** Ends the log and stdin streams without touching the container (`--keep`). */
  detach(): void {
    for (const stream of this.streams.splice(0)) stream.destroy();
  }
}

/**
 * The system under test's container, acted on by `sut_*` spikes. Each call is one Engine API
 * request bounded by `timeoutMs`; it throws E_SUT_ACTION_FAILED with the engine's words (a
 * missing container, a paused one asked to pause again) so the SUT timeline can report them.
 */
export class SutContainer {
  constructor(
    private readonly container: Docker.Container,
    readonly name: string,
  ) {}

  private async call(what: string, timeoutMs: number, request: () => Promise<unknown>, alreadyDone: number[] = []): Promise<void> {
    try {
      await withTimeout(request(), timeoutMs, `${what} ${this.name}`);
    } catch (error) {
      if (alreadyDone.includes(statusCode(error) ?? 0)) return;
      const missing = statusCode(error) === 404;
      throw new AvcmError('E_SUT_ACTION_FAILED', `docker ${what} of container ${this.name} failed: ${reason(error)}`, {
        hint: missing ? `no container named ${this.name} on this engine: check sut.container (docker ps -a) and DOCKER_HOST` : DOCKER_HINT,
        cause: error,
      });
    }
  }

  /** POST /containers/{name}/restart: stop (SIGTERM, SIGKILL after `stopSeconds`) and start again. */
  restart(stopSeconds: number, timeoutMs: number): Promise<void> {
    return this.call('restart', timeoutMs, () => this.container.restart({ t: stopSeconds }));
  }

  /** Freezes every process of the container (cgroup freezer); already paused is an error from the engine. */
  pause(timeoutMs: number): Promise<void> {
    return this.call('pause', timeoutMs, () => this.container.pause());
  }

  unpause(timeoutMs: number): Promise<void> {
    return this.call('unpause', timeoutMs, () => this.container.unpause());
  }

  /** SIGKILL (no grace). */
  kill(timeoutMs: number): Promise<void> {
    return this.call('kill', timeoutMs, () => this.container.kill({ signal: 'SIGKILL' }));
  }

  /** Starts it; already running is fine (304). */
  start(timeoutMs: number): Promise<void> {
    return this.call('start', timeoutMs, () => this.container.start(), [304]);
  }

  /** SIGTERM, then SIGKILL after `stopSeconds`; already stopped is fine (304). */
  stop(stopSeconds: number, timeoutMs: number): Promise<void> {
    return this.call('stop', timeoutMs, () => this.container.stop({ t: stopSeconds }), [304]);
  }

  /** What the engine says about it now, in a line for the report (`paused, started 2026-01-01T12:00:01.25Z, exit code 0, 0 restarts`). */
  async describe(timeoutMs: number): Promise<string> {
    try {
      const info = await withTimeout(this.container.inspect(), timeoutMs, `inspect ${this.name}`);
      const state = info.State;
      return `${state.Status}, started ${state.StartedAt}, exit code ${state.ExitCode}, ${info.RestartCount} restarts`;
    } catch (error) {
      return `cannot inspect: ${reason(error)}`;
    }
  }
}
