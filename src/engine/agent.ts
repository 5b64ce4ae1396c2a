import { readFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { AvcmError, toAvcmError } from '../errors/index.js';
import { loadMediaLibrary } from '../media/index.js';
import type { Endpoint, Plan } from '../plan/types.js';
import { encodeLine, lineReader, type AgentCommand, type AgentEvent } from './agent-protocol.js';
import { systemClock } from './clock.js';
import type { EngineStats } from './engine-stats.js';
import { resolvePartitionId } from './partition-identity.js';
import { NaiveEngine } from './naive-engine.js';
import { PartitionEngine } from './partition-engine.js';
import { UdpTransport } from './transport-udp.js';

const STATS_INTERVAL_MS = 1_000;

export interface AgentOptions {
  planFile: string;
  partition?: number;
  /** Overrides the plan's target (required when the plan targets the built-in probe). */
  target?: Endpoint;
  /** Relative media paths in the plan resolve against this (the scenario's folder). */
  baseDir?: string;
  /** `stdin`: wait for a start command; a number: epoch ms of the run start; undefined: start one second after ready. */
  startAt?: number | 'stdin';
  /** Serve this partition's Prometheus metrics on this port (pods). */
  metricsPort?: number;
  /** `paced` (the engine) or `naive` (the benchmark's one-timer-per-participant baseline). */
  engine?: 'paced' | 'naive';
  env: NodeJS.ProcessEnv;
  input: NodeJS.ReadableStream;
  /** SIGINT/SIGTERM: stop sending and report `done` (a terminal's Ctrl-C reaches every process of the group). */
  onInterrupt?(listener: () => void): () => void;
  output: { write(text: string): unknown };
}

/**
 * One partition's engine as a process: loads the plan and the media, opens the sockets, reports
 * `ready`, sends from the run start for the plan's duration, reports stats every second and
 * `done` at the end. Speaks the agent protocol on stdin/stdout. Returns the process exit code.
 */
export async function runAgent(options: AgentOptions): Promise<number> {
  const emit = (event: AgentEvent): void => {
    options.output.write(encodeLine(event));
  };
  let partition = options.partition ?? -1;
  let engine: PartitionEngine | NaiveEngine | null = null;
  try {
    const plan = await readPlan(options.planFile);
    partition = resolvePartitionId(options.partition, options.env, plan.partitions);
    const target = options.target ?? plan.target;
    if (!target) {
      throw new AvcmError('E_USAGE', 'the plan sends to the built-in probe, which has no fixed address', { hint: 'pass --target udp://HOST:PORT' });
    }
    const media = await loadMediaLibrary(plan.media, { baseDir: options.baseDir ?? process.cwd(), env: options.env });
    engine =
      options.engine === 'naive'
        ? await NaiveEngine.create(plan, partition, media, target)
        : await PartitionEngine.create({
            plan,
            partition,
            media,
            target,
            openTransport: (participant, to) => UdpTransport.open(participant.port, to, participant.id),
          });
    const running = engine;
    emit({
      type: 'ready',
      partition,
      participants: running.participants.length,
      pid: process.pid,
      media: { videoFrames: media.video?.frames.length ?? 0, audioFrames: media.audio?.frames.length ?? 0 },
    });

    const unsubscribe = options.onInterrupt?.(() => running.stop());
    // prom-client is loaded only by engines that serve metrics (pods), keeping local agents light.
    const metricsServer = options.metricsPort !== undefined ? await (await import('../metrics/engine-metrics.js')).serveEngineMetrics(options.metricsPort, partition, () => running.snapshot()) : null;
    const startEpochMs = await new Promise<number>((resolve) => {
      const read = lineReader<AgentCommand>((command) => {
        if (command.type === 'start') resolve(command.runStartEpochMs);
        else if (command.type === 'spike') running.injectSpike(command.spike);
        else if (command.type === 'stop') {
          running.stop();
          resolve(Date.now());
        }
      });
      options.input.on('data', read);
      // The runner went away: stop rather than send forever.
      options.input.on('end', () => {
        running.stop();
        resolve(Date.now());
      });
      if (options.startAt === undefined) resolve(Date.now() + 1_000);
      else if (typeof options.startAt === 'number') resolve(options.startAt);
    });

    const clock = systemClock(startEpochMs);
    emit({ type: 'started', partition, runStartEpochMs: startEpochMs, lateJoinMs: Math.max(0, clock.nowMs()) });
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    // CPU from the run start on: startup (module loading, media packetizing) is not per-packet work.
    const cpuAtStart = process.cpuUsage();
    const withProcess = (stats: EngineStats): EngineStats => {
      const cpu = process.cpuUsage(cpuAtStart);
      return {
        ...stats,
        process: {
          cpuUserMs: cpu.user / 1000,
          cpuSystemMs: cpu.system / 1000,
          rssBytes: process.memoryUsage.rss(),
          eventLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
          eventLoopDelayMaxMs: loopDelay.max / 1e6,
        },
      };
    };
    const statsTimer = setInterval(() => emit({ type: 'stats', stats: withProcess(running.snapshot()) }), STATS_INTERVAL_MS);
    await running.run(clock);
    clearInterval(statsTimer);
    loopDelay.disable();
    unsubscribe?.();
    await metricsServer?.close();
    emit({ type: 'done', stats: withProcess(running.snapshot()) });
    await running.close();
    return 0;
  } catch (error) {
    const failure = toAvcmError(error, 'E_RUN');
    emit({ type: 'error', partition, code: failure.code, message: failure.message, ...(failure.hint ? { hint: failure.hint } : {}) });
    await engine?.close();
    return failure.exitCode;
  }
}

async function readPlan(file: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path.resolve(file), 'utf8');
  } catch (error) {
    throw new AvcmError('E_USAGE', `cannot read plan ${file}: ${(error as Error).message}`, { hint: 'write one with `avcm plan SCENARIO > plan.json`' });
  }
  try {
    const plan = JSON.parse(text) as Plan;
    if (plan.planVersion !== 1) throw new Error(`unsupported planVersion ${String(plan.planVersion)}`);
    return plan;
  } catch (error) {
    throw new AvcmError('E_USAGE', `${file} is not an avcm plan: ${(error as Error).message}`);
  }
}
