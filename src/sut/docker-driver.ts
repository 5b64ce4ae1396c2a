import type { SutContainer } from '../backends/docker/index.js';
import type { SutSpec } from '../plan/types.js';
import { AvcmError, toAvcmError } from '../errors/index.js';
import type { SutAction, SutActionOutcome, SutDriver } from './types.js';

type DockerSpec = Extract<SutSpec, { driver: 'docker' }>;

/**
 * The `docker` driver: the scenario's container, acted on through the Docker Engine API (the
 * dockerode seam in src/backends/docker): sut_restart = restart (stop with `stop_timeout`, then
 * start), sut_pause = pause / unpause (the cgroup freezer: the process is frozen, its sockets stay
 * open), sut_kill = kill (SIGKILL) / start. The report gets the API call and the container's state
 * after it.
 */
export class DockerDriver implements SutDriver {
  readonly name = 'docker';

  private constructor(
    private readonly spec: DockerSpec,
    private readonly container: SutContainer,
  ) {}

  /** Connects to the engine DOCKER_HOST names and checks the container exists (E_SUT_DRIVER otherwise). */
  static async open(spec: DockerSpec, env: NodeJS.ProcessEnv): Promise<DockerDriver> {
    const { DockerClient } = await import('../backends/docker/index.js');
    let client;
    try {
      client = await DockerClient.connect(env, Math.min(spec.timeoutMs, 10_000));
    } catch (error) {
      const cause = toAvcmError(error);
      throw new AvcmError('E_SUT_DRIVER', `the sut docker driver cannot reach a Docker engine: ${cause.message}`, { hint: cause.hint, cause: error });
    }
    const container = client.sutContainer(spec.container);
    const state = await container.describe(spec.timeoutMs);
    if (state.startsWith('cannot inspect')) {
      throw new AvcmError('E_SUT_DRIVER', `the sut container ${spec.container} is not on the Docker engine at ${client.endpoint}: ${state}`, {
        hint: 'start the system under test first, and name its container (or id) in sut.container (docker ps -a lists them)',
      });
    }
    return new DockerDriver(spec, container);
  }

  supports(): boolean {
    return true;
  }

  async run(action: SutAction): Promise<SutActionOutcome> {
    const timeout = this.spec.timeoutMs;
    const stopSeconds = Math.ceil(this.spec.stopTimeoutMs / 1000);
    const c = this.container;
    const calls: Record<SutAction, [string, () => Promise<void>]> = {
      restart: [`POST /containers/${c.name}/restart?t=${stopSeconds}`, () => c.restart(stopSeconds, timeout)],
      stop: [`POST /containers/${c.name}/stop?t=${stopSeconds}`, () => c.stop(stopSeconds, timeout)],
      start: [`POST /containers/${c.name}/start`, () => c.start(timeout)],
      pause: [`POST /containers/${c.name}/pause`, () => c.pause(timeout)],
      resume: [`POST /containers/${c.name}/unpause`, () => c.unpause(timeout)],
      kill: [`POST /containers/${c.name}/kill?signal=SIGKILL`, () => c.kill(timeout)],
    };
    const [detail, call] = calls[action];
    try {
      await call();
      return { ok: true, exitCode: null, output: await c.describe(timeout), detail, error: null };
    } catch (error) {
      return { ok: false, exitCode: null, output: await c.describe(timeout), detail, error: toAvcmError(error).message };
    }
  }

  async close(): Promise<void> {}
}
