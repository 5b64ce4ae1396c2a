import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodeLine, lineReader, type AgentCommand, type AgentEvent } from '../../engine/agent-protocol.js';
import type { EngineStats } from '../../engine/engine-stats.js';
import { AvcmError, ERROR_CODES, type ErrorCode } from '../../errors/index.js';
import type { Plan, PlannedSpike } from '../../plan/types.js';
import type { Backend, EngineTotals, LaunchOptions, RunHandle } from '../backend.js';
import { checkSourcePortsFree, reservePorts, type PortReservation } from '../../ports/index.js';
import { formatUdpUrl } from '../../scenario/units.js';
import { PartitionHealthLog, sumEngineStats } from '../engine-totals.js';
import { ioArgs } from '../io-args.js';
import { selfCommand } from './self-command.js';

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_LINES = 20;

interface Agent {
  partition: number;
  /** The participants this partition sends for, to name them when it fails. */
  participantIds: number[];
  child: ChildProcess;
  ready: boolean;
  done: boolean;
  stats: EngineStats | null;
  error: AgentEvent & { type: 'error' } | null;
  stderrTail: string[];
  exited: Promise<number | null>;
}

/** What a report of a run whose partition died holds, for the hints of those failures. */
const OTHER_PARTITIONS_HINT = 'the other partitions were stopped; the report (status error) holds what the probe measured of every partition until then';

/** "participants 1001, 1003, 1005" or "participants 1001, 1003 ... 1099 (50)". */
function describeParticipants(ids: number[]): string {
  if (ids.length <= 6) return `participant${ids.length === 1 ? '' : 's'} ${ids.join(', ')}`;
  return `participants ${ids.slice(0, 3).join(', ')} ... ${ids[ids.length - 1]} (${ids.length})`;
}

/**
 * Runs each partition as an `avcm agent` child process on this machine: the same code path and
 * protocol that containers and pods run, with partitions spread over the cores by the OS.
 */
export class LocalBackend implements Backend {
  readonly name = 'local' as const;

  constructor(private readonly options: { baseDir: string; env?: NodeJS.ProcessEnv; engine?: 'paced' | 'naive'; nodeArgs?: string[] }) {}

  async launch(plan: Plan, options: LaunchOptions): Promise<RunHandle> {
    // Fixed source ports: claimed among this machine's avcm runs and checked against every other
    // program before any engine starts, so a clash is said up front, with the ports and a way out.
    // (WebRTC participants' ICE picks its own ports.)
    const ports = plan.transport === 'udp' ? plan.participants.map((p) => p.port).filter((port) => port > 0) : [];
    const reservation = await reservePorts(ports, `${plan.scenario} (base_port ${plan.basePort})`);
    try {
      await checkSourcePortsFree(ports, plan.basePort);
    } catch (error) {
      await reservation.release();
      throw error;
    }
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'avcm-run-'));
    const planFile = path.join(workDir, 'plan.json');
    await writeFile(planFile, JSON.stringify(plan));
    const target = options.target ? ['--target', formatUdpUrl(options.target)] : [];
    const agents: Agent[] = [];
    for (let partition = 0; partition < plan.partitions; partition++) {
      const { command, args } = selfCommand([
        'agent', '--plan', planFile, '--partition', String(partition), ...target, '--base-dir', this.options.baseDir, '--wait-start',
        ...(this.options.engine === 'naive' ? ['--engine', 'naive'] : []),
        ...ioArgs(options.io),
      ]);
      const child = spawn(command, [...(this.options.nodeArgs ?? []), ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: this.options.env ?? process.env });
      const agent: Agent = {
        partition,
        participantIds: plan.participants.filter((p) => p.partition === partition).map((p) => p.id),
        child,
        ready: false,
        done: false,
        stats: null,
        error: null,
        stderrTail: [],
        // 'close', not 'exit': the last lines it wrote (its final stats) are read by then.
        exited: new Promise((resolve) => child.once('close', (code) => resolve(code))),
      };
      child.stdout!.on('data', lineReader<AgentEvent>((event) => onEvent(agent, event), (line) => options.log(`partition ${partition}: ${line}`)));
      child.stderr!.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) if (line.trim()) agent.stderrTail.push(line);
        agent.stderrTail.splice(0, Math.max(0, agent.stderrTail.length - STDERR_TAIL_LINES));
      });
      child.stdin!.on('error', () => undefined);
      agents.push(agent);
    }
    const health = new PartitionHealthLog();
    const handle = new LocalRunHandle(agents, workDir, reservation, health);
    const onEvent = (agent: Agent, event: AgentEvent): void => {
      if (event.type === 'offer') {
        const answer = options.signaling
          ? options.signaling(event.participantId, event.sdp)
          : Promise.reject(new Error('this run has no WebRTC signaling (nothing answers the participants)'));
        answer.then(
          (sdp) => agent.child.stdin?.writable && agent.child.stdin.write(encodeLine({ type: 'answer', participantId: event.participantId, sdp })),
          (error: Error) => {
            agent.error = { type: 'error', partition: agent.partition, code: 'E_NETWORK', message: `participant ${event.participantId}: no SDP answer: ${error.message}` };
            handle.changed();
          },
        );
        return;
      }
      if (event.type === 'ready') agent.ready = true;
      else if (event.type === 'stats') agent.stats = event.stats;
      else if (event.type === 'health') health.add(agent.partition, event.windows);
      else if (event.type === 'done') {
        agent.stats = event.stats;
        agent.done = true;
      } else if (event.type === 'error') agent.error = event;
      handle.changed();
    };
    const abort = (): void => void handle.stop();
    options.signal.addEventListener('abort', abort, { once: true });
    try {
      await handle.allReady(options.signal);
    } catch (error) {
      await handle.stop();
      throw error;
    } finally {
      options.signal.removeEventListener('abort', abort);
    }
    options.signal.addEventListener('abort', abort, { once: true });
    return handle;
  }
}

class LocalRunHandle implements RunHandle {
  readonly startEpochMs = null;
  private listeners: (() => void)[] = [];
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly agents: Agent[],
    private readonly workDir: string,
    /** The run's fixed source ports, held until its engines are gone. */
    private readonly reservation: PortReservation,
    private readonly health: PartitionHealthLog,
  ) {
    for (const agent of agents) void agent.exited.then(() => this.changed());
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }

  private waitFor<T>(check: () => T | undefined, timeoutMs: number, onTimeout: () => Error, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      const listener = (): void => {
        let value: T | undefined;
        try {
          value = check();
        } catch (error) {
          cleanup();
          reject(error as Error);
          return;
        }
        if (value !== undefined) {
          cleanup();
          resolve(value);
        }
      };
      const onAbort = (): void => {
        cleanup();
        reject(new AvcmError('E_RUN', 'interrupted while starting the partitions'));
      };
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
        signal?.removeEventListener('abort', onAbort);
      };
      this.listeners.push(listener);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          cleanup();
          reject(onTimeout());
        }, timeoutMs);
      }
      listener();
    });
  }

  /** Throws the first partition failure (an error event, or an exit before done). */
  private checkFailures(): void {
    for (const agent of this.agents) {
      if (agent.error) {
        // The partition's own error code (E_MEDIA, E_NETWORK, ...) decides the exit code.
        const code: ErrorCode = agent.error.code in ERROR_CODES ? (agent.error.code as ErrorCode) : 'E_RUN';
        throw new AvcmError(code, `partition ${agent.partition}: ${agent.error.message}`, agent.error.hint ? { hint: agent.error.hint } : {});
      }
      const who = `partition ${agent.partition} (${describeParticipants(agent.participantIds)})`;
      if (agent.child.exitCode !== null && !agent.done) {
        const tail = agent.stderrTail.slice(-5).join('\n');
        throw new AvcmError('E_BACKEND', `${who}: its engine process exited with code ${agent.child.exitCode} before finishing${tail ? `:\n${tail}` : ''}`, { hint: OTHER_PARTITIONS_HINT });
      }
      if (agent.child.signalCode !== null && !agent.done) {
        throw new AvcmError('E_BACKEND', `${who}: its engine process was killed by ${agent.child.signalCode}`, {
          hint: `something outside avcm ended it (the kernel's out-of-memory killer leaves a line in \`dmesg\`); ${OTHER_PARTITIONS_HINT}`,
        });
      }
    }
  }

  allReady(signal: AbortSignal): Promise<true> {
    return this.waitFor(
      () => {
        this.checkFailures();
        return this.agents.every((a) => a.ready) ? true : undefined;
      },
      READY_TIMEOUT_MS,
      () => new AvcmError('E_BACKEND', `partitions not ready after ${READY_TIMEOUT_MS / 1000}s (${this.agents.filter((a) => a.ready).length}/${this.agents.length} ready)`),
      signal,
    );
  }

  private send(command: AgentCommand): void {
    const line = encodeLine(command);
    for (const agent of this.agents) if (agent.child.stdin?.writable) agent.child.stdin.write(line);
  }

  start(runStartEpochMs: number): void {
    this.send({ type: 'start', runStartEpochMs });
  }

  injectSpike(spike: PlannedSpike): void {
    this.send({ type: 'spike', spike });
  }

  totals(): EngineTotals {
    return sumEngineStats(this.agents.map((a) => a.stats), this.agents.filter((a) => a.ready).length, this.agents.filter((a) => a.done).length, this.health);
  }

  finished(): Promise<void> {
    return this.waitFor(
      () => {
        this.checkFailures();
        return this.agents.every((a) => a.done) ? true : undefined;
      },
      Infinity,
      () => new Error('unreachable'),
    ).then(() => undefined);
  }

  async collectProbeReport(): Promise<null> {
    return null;
  }

  restarts(): { partition: number; count: number }[] {
    return [];
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.send({ type: 'stop' });
      for (const agent of this.agents) agent.child.stdin?.end();
      const timer = setTimeout(() => {
        for (const agent of this.agents) if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await Promise.all(this.agents.map((a) => a.exited));
      clearTimeout(timer);
      await rm(this.workDir, { recursive: true, force: true });
      await this.reservation.release();
    })();
    return this.stopping;
  }
}
