import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AvcmError, toAvcmError } from '../errors/index.js';
import { ProcessHealthSampler, WindowTicker, type EngineHealthWindow } from '../health/index.js';
import { chooseIo, ioFallbackNotice, resolveEndpoint, type IoRequest } from '../io/index.js';
import { loadMediaLibrary, type MediaLibrary } from '../media/index.js';
import type { Endpoint, Plan, PlannedParticipant, PlannedSpike } from '../plan/types.js';
import type { ReconnectRecord } from '../webrtc/reconnect-record.js';
import { encodeLine, lineReader, type AgentCommand, type AgentEvent } from './agent-protocol.js';
import { BatchedEngineIo, maxPacketBytesFor } from './batched-engine-io.js';
import { systemClock } from './clock.js';
import { immediateIo } from './engine-io.js';
import type { EngineStats } from './engine-stats.js';
import { resolvePartitionId } from './partition-identity.js';
import { NaiveEngine } from './naive-engine.js';
import { PartitionEngine, type EngineOptions } from './partition-engine.js';
import { UdpTransport } from './transport-udp.js';

/** The run's windows (the probe's), at whose ends the agent reports stats and health. */
const WINDOW_MS = 1_000;

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
  /** UDP participants' I/O, as `ioRequest` read it from `--io` / AVCM_IO; default auto (batched when the addon loads). The naive baseline always uses dgram. */
  io?: IoRequest;
  /** One-line notices for the user (stderr): the dgram fallback's reason. */
  log?(line: string): void;
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
    // Plain RTP needs a UDP target; WebRTC participants reach their receiver through signaling.
    const target = options.target ?? plan.target;
    if (!target && (plan.transport === 'udp' || options.engine === 'naive')) {
      throw new AvcmError('E_USAGE', 'the plan sends to the built-in probe, which has no fixed address', { hint: 'pass --target udp://HOST:PORT' });
    }
    // Commands are read from the start: WebRTC answers arrive before `ready`, spikes and stop any time.
    const commands = new AgentCommands(options.input, options.startAt);
    const media = await loadMediaLibrary(plan.media, { baseDir: options.baseDir ?? process.cwd(), env: options.env });
    const { openTransport, io, reconnects } = await transportOpener(plan, target, media, options, (participantId, sdp) => {
      emit({ type: 'offer', partition, participantId, sdp });
      return commands.answerFor(participantId);
    });
    engine =
      options.engine === 'naive'
        ? await NaiveEngine.create(plan, partition, media, target!)
        : await PartitionEngine.create({ plan, partition, media, openTransport, io });
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
    commands.attach(running);
    const startEpochMs = await commands.startEpochMs;

    const clock = systemClock(startEpochMs);
    emit({ type: 'started', partition, runStartEpochMs: startEpochMs, lateJoinMs: Math.max(0, clock.nowMs()) });
    // CPU from the run start on: startup (module loading, media packetizing) is not per-packet work.
    const cpuAtStart = process.cpuUsage();
    const health = new ProcessHealthSampler();
    const withProcess = (stats: EngineStats): EngineStats => {
      const cpu = process.cpuUsage(cpuAtStart);
      const loop = health.sinceStart();
      const memory = process.memoryUsage();
      return {
        ...stats,
        process: {
          cpuUserMs: cpu.user / 1000,
          cpuSystemMs: cpu.system / 1000,
          rssBytes: memory.rss,
          heapUsedBytes: memory.heapUsed,
          heapTotalBytes: memory.heapTotal,
          externalBytes: memory.external,
          arrayBuffersBytes: memory.arrayBuffers,
          eventLoopDelayP99Ms: loop.p99Ms,
          eventLoopDelayMaxMs: loop.maxMs,
        },
      };
    };
    // At the end of every window: the counters so far, and the window's health. A stall's timing
    // figures stand for each window it spanned; its counts are the last window's (never twice).
    const counted = { sendErrors: 0, wouldBlock: 0, sendDropped: 0 };
    const reportWindows = (first: number, last: number): void => {
      const stats = running.snapshot();
      emit({ type: 'stats', stats: withProcess(stats) });
      const lateness = running.takeWindowLateness();
      const figures: Omit<EngineHealthWindow, 'index'> = {
        latenessP99Ms: lateness.p99Ms,
        latenessMaxMs: lateness.maxMs,
        ...health.sample(),
        sendErrors: stats.sendErrors - counted.sendErrors,
        wouldBlock: (stats.wouldBlock ?? 0) - counted.wouldBlock,
        sendDropped: (stats.sendDropped ?? 0) - counted.sendDropped,
      };
      counted.sendErrors = stats.sendErrors;
      counted.wouldBlock = stats.wouldBlock ?? 0;
      counted.sendDropped = stats.sendDropped ?? 0;
      const windows: EngineHealthWindow[] = [];
      for (let index = first; index < last; index++) windows.push({ index, ...figures, sendErrors: 0, wouldBlock: 0, sendDropped: 0 });
      windows.push({ index: last, ...figures });
      emit({ type: 'health', partition, windows });
    };
    const ticker = new WindowTicker(startEpochMs, WINDOW_MS, () => clock.epochMs(), reportWindows);
    ticker.start();
    await running.run(clock);
    ticker.finish();
    health.close();
    unsubscribe?.();
    await metricsServer?.close();
    emit({ type: 'done', stats: { ...withProcess(running.snapshot(true)), reconnects: reconnects() } });
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

/** Dispatches runner commands: the start time, WebRTC answers, live spikes, stop. */
class AgentCommands {
  readonly startEpochMs: Promise<number>;
  private resolveStart!: (epochMs: number) => void;
  private engine: { injectSpike(spike: PlannedSpike): void; stop(): void } | null = null;
  private readonly pendingSpikes: PlannedSpike[] = [];
  private readonly answers = new Map<number, { promise: Promise<string>; resolve: (sdp: string) => void }>();
  private stopRequested = false;

  constructor(input: NodeJS.ReadableStream, startAt: AgentOptions['startAt']) {
    this.startEpochMs = new Promise((resolve) => (this.resolveStart = resolve));
    input.on(
      'data',
      lineReader<AgentCommand>((command) => {
        if (command.type === 'start') this.resolveStart(command.runStartEpochMs);
        else if (command.type === 'answer') this.answer(command.participantId).resolve(command.sdp);
        else if (command.type === 'spike') {
          if (this.engine) this.engine.injectSpike(command.spike);
          else this.pendingSpikes.push(command.spike);
        } else if (command.type === 'stop') this.stop();
      }),
    );
    // The runner went away: stop rather than send forever.
    input.on('end', () => this.stop());
    if (startAt === undefined) this.resolveStart(Date.now() + 1_000);
    else if (typeof startAt === 'number') this.resolveStart(startAt);
  }

  private answer(participantId: number): { promise: Promise<string>; resolve: (sdp: string) => void } {
    let entry = this.answers.get(participantId);
    if (!entry) {
      let resolve!: (sdp: string) => void;
      const promise = new Promise<string>((r) => (resolve = r));
      entry = { promise, resolve };
      this.answers.set(participantId, entry);
    }
    return entry;
  }

  answerFor(participantId: number): Promise<string> {
    return this.answer(participantId).promise;
  }

  attach(engine: { injectSpike(spike: PlannedSpike): void; stop(): void }): void {
    this.engine = engine;
    for (const spike of this.pendingSpikes.splice(0)) engine.injectSpike(spike);
    if (this.stopRequested) engine.stop();
  }

  private stop(): void {
    this.stopRequested = true;
    this.engine?.stop();
    this.resolveStart(Date.now());
  }
}

/**
 * The batched layer WebRTC participants' media runs on (werift keeps ICE and DTLS), or null for
 * werift's own path: `--io dgram`, no addon (`auto` says so in one line), or no native SRTP in this
 * process (`auto`: one line; `--io batched`: E_USAGE, as asked for and not there).
 */
function webrtcMediaIo(options: AgentOptions, media: MediaLibrary): BatchedEngineIo | null {
  const choice = chooseIo(options.io ?? 'auto', options.env);
  const notice = ioFallbackNotice(choice);
  if (notice !== null) options.log?.(`${notice}; WebRTC media on werift`);
  if (choice.path === 'dgram') return null;
  const unavailable = choice.udp.srtpUnavailable;
  if (unavailable !== null) {
    if (options.io === 'batched') throw new AvcmError('E_USAGE', `--io batched: WebRTC media needs the addon's SRTP, which is unavailable here: ${unavailable}`, { hint: 'use --io dgram (werift carries the media), or rebuild the addon with `npm run native:build`' });
    options.log?.(`avcm: native SRTP unavailable (${unavailable}); WebRTC media on werift`);
    return null;
  }
  return new BatchedEngineIo(choice.udp, { target: null, maxPacketBytes: maxPacketBytesFor(media) });
}

/** How long a rejoining participant's new session may take to connect, ms. */
const REJOIN_CONNECT_TIMEOUT_MS = 10_000;

/**
 * How this partition's participants connect: a UDP socket each (the batched layer or dgram, as
 * `--io` chose), or a WebRTC peer whose offer goes to the runner (`offer` event) and whose answer
 * comes back (`answer` command). werift is loaded only for WebRTC plans. Participants that join an
 * SFU join it again when their session is lost (`RejoiningParticipantTransport`); `reconnects`
 * lists those losses for the final report.
 */
async function transportOpener(
  plan: Plan,
  target: Endpoint | null,
  media: MediaLibrary,
  options: AgentOptions,
  signalRunner: (participantId: number, offerSdp: string) => Promise<string>,
): Promise<Pick<EngineOptions, 'openTransport' | 'io'> & { reconnects: () => ReconnectRecord[] }> {
  const env = options.env;
  if (plan.transport !== 'webrtc') {
    const choice = options.engine === 'naive' ? ({ path: 'dgram', fallbackReason: null } as const) : chooseIo(options.io ?? 'auto', env);
    const notice = ioFallbackNotice(choice);
    if (notice !== null) options.log?.(notice);
    if (choice.path === 'dgram') return { openTransport: (participant) => UdpTransport.open(participant.port, target!, participant.id), io: immediateIo('dgram'), reconnects: () => [] };
    const io = new BatchedEngineIo(choice.udp, { target: await resolveEndpoint(target!), maxPacketBytes: maxPacketBytesFor(media) });
    return { openTransport: async (participant) => io.open(participant), io, reconnects: () => [] };
  }
  const { WebRtcParticipantTransport, RejoiningParticipantTransport, ReconnectLog, NativeIceSockets, iceServersFor, participantFeedback } = await import('../webrtc/index.js');
  // WebRTC media on the batched layer when `--io` gives it (and its SRTP runs here); else werift's path.
  const native = webrtcMediaIo(options, media);
  const feedback = participantFeedback(plan);
  const log = new ReconnectLog();
  let signal = signalRunner;
  let onSignalingLost: ((listener: (reason: string) => void) => void) | undefined;
  if (plan.sfu) {
    // Joining an SFU: the participant publishes through the SFU's own signaling (Janus, WHIP).
    const { sfuAdapter } = await import('../sfu/index.js');
    const adapter = sfuAdapter(plan.sfu, env, { publishers: plan.participants.length });
    signal = (participantId, offerSdp) => adapter.publish(participantId, offerSdp);
    onSignalingLost = (listener) => adapter.onSignalingLost(listener);
  }
  const iceServers = iceServersFor(plan.turn, env);
  const loopbackOnly = env.AVCM_WEBRTC_LOOPBACK === '1';
  let nativeSockets: import('../webrtc/index.js').NativeIceSockets | undefined;
  const join = async (participant: PlannedParticipant, connectTimeoutMs?: number): Promise<import('../webrtc/index.js').WebRtcParticipantTransport> => {
    const transport = await WebRtcParticipantTransport.create({
      participantId: participant.id,
      video:
        participant.videoSsrc !== null && plan.media.video
          ? { ssrc: participant.videoSsrc, payloadType: plan.media.video.payloadType, rtxSsrc: participant.videoRtxSsrc, simulcast: participant.videoLayers?.map((layer) => layer.rid) ?? null }
          : null,
      audio: participant.audioSsrc !== null && plan.media.audio ? { ssrc: participant.audioSsrc, payloadType: plan.media.audio.payloadType } : null,
      extensions: plan.extensions,
      feedback,
      iceServers,
      loopbackOnly,
      native: native ? (nativeSockets ??= new NativeIceSockets(native)) : undefined,
    });
    try {
      await transport.acceptAnswer(await signal(participant.id, await transport.createOffer()));
      await transport.connected(connectTimeoutMs);
    } catch (error) {
      await transport.close();
      throw error;
    }
    return transport;
  };
  const io = native ?? immediateIo('webrtc');
  // Without an SFU the other end is avcm's own probe (or a REST client): nothing to join again.
  if (!plan.sfu) return { openTransport: (participant) => join(participant), io, reconnects: () => [] };
  return {
    openTransport: (participant) =>
      RejoiningParticipantTransport.open((first) => join(participant, first ? undefined : REJOIN_CONNECT_TIMEOUT_MS), { participantId: participant.id, log, onSignalingLost }),
    io,
    reconnects: () => log.records(),
  };
}
