import { PartitionEngine } from '../engine/partition-engine.js';
import type { FeedbackHandler, ParticipantTransport } from '../engine/transport.js';
import { loadMediaLibrary } from '../media/index.js';
import { compile } from '../plan/index.js';
import { probeFeedbackOptions, ProbeReceiver, type ReturnPath } from '../probe/index.js';
import { scenarioFromText } from '../scenario/index.js';

/** What one hot-path pass measured; snake_case because it is the `--json` contract. */
export interface HotPathFigures {
  /** Whether the RTCP feedback loop ran (participants' sessions, the probe as a viewer). */
  feedback: boolean;
  participants: number;
  /** Media time sent, s (fake time: the pass runs as fast as the CPU allows). */
  media_s: number;
  /** Packets dropped between the engine and the probe, % (every n-th: deterministic). */
  loss_percent: number;
  /** Every datagram the participants sent (media, retransmissions, RTCP), warm-up included, and those the probe got. */
  datagrams_sent: number;
  datagrams_delivered: number;
  rtcp_to_participants: number;
  /** CPU µs per datagram sent (after the warm-up) in the engine's code (pacing, chaos, sessions, header stamping) and in the probe's (parse, stats, viewer, feedback). */
  engine_cpu_us_per_packet: number;
  probe_cpu_us_per_packet: number;
}

export interface HotPathOptions {
  participants: number;
  /** Media time to send, ms. */
  mediaMs: number;
  feedback: boolean;
  /** Drop this percentage of packets between the engine and the probe (exercises NACK, RTX, PLI). */
  lossPercent: number;
  /** Called when the measured part begins and ends (after the warm-up): e.g. to profile allocations of the hot path alone. */
  onMeasure?: (phase: 'start' | 'end') => void;
  /** Called after each chunk of fake time with the media time sent so far, ms: e.g. to sample retained memory as the pass goes. */
  onProgress?: (mediaMs: number) => void;
}

/** How often the pass ticks the engine and the probe's feedback loop, fake ms (the engine's timer floor, the probe's feedback tick). */
const ENGINE_TICK_MS = 1;
const PROBE_TICK_MS = 5;
/**
 * The engine runs this much fake time, then the probe takes the datagrams (each at its send time)
 * and its RTCP goes back: the CPU clock is read per chunk, not per tick (reading it costs about as
 * much as a few packets). The chunk adds up to its length to the loop's round trip.
 */
const CHUNK_MS = 20;
/** Fake-time media before the measured part: lets V8 optimize the per-packet code first. */
const WARM_UP_MS = 3_000;
const RUN_START_EPOCH_MS = 1_700_000_000_000;
const MAX_DATAGRAM = 1500;

/**
 * The per-packet CPU of avcm's own code with no I/O at all: one engine partition sends the shipped
 * clip into the built-in probe in the same process, in fake time, every datagram copied from the
 * engine's transport straight into `ProbeReceiver.ingest` and the probe's RTCP straight back into
 * the engine. Kernel and socket costs (which dominate `avcm bench`) are left out, so the feedback
 * loop's cost on the hot path shows without the noise of a shared machine. CPU is attributed per
 * side by reading the process's CPU clock around each side's share of every tick.
 */
export async function runHotPathBench(options: HotPathOptions): Promise<HotPathFigures> {
  const openLoop = options.feedback ? '' : ', rtcp: false }\nprobe: { nack: false, pli: false, jitter_buffer: false, report_interval: false';
  const durationMs = WARM_UP_MS + options.mediaMs;
  const scenario = scenarioFromText(
    `version: 1\nname: hot-path-${options.participants}\nduration: ${Math.ceil(durationMs / 1000)}s\nparticipants: { count: ${options.participants}, base_port: 0${openLoop} }\n`,
    'hot-path',
  );
  const plan = compile(scenario, { partitions: 1, seed: 1 });
  const media = await loadMediaLibrary(plan.media, { baseDir: process.cwd() });
  const probe = ProbeReceiver.detached({
    videoPayloadType: plan.media.video!.payloadType,
    audioPayloadType: plan.media.audio!.payloadType,
    extensions: plan.extensions,
    expectedDurationMs: plan.durationMs,
    ticks: 'manual',
    ...(options.feedback ? probeFeedbackOptions(plan) : {}),
  });
  const wire = new LoopbackWire(options.lossPercent);
  const engine = await PartitionEngine.create({ plan, partition: 0, media, openTransport: async (participant) => wire.transport(plan.participants.indexOf(participant)) });
  probe.start(RUN_START_EPOCH_MS);
  let engineMicros = 0;
  let probeMicros = 0;
  let sentAtStart = 0;
  try {
    for (let chunkMs = 0; chunkMs < plan.durationMs + 500; chunkMs += CHUNK_MS) {
      if (chunkMs === WARM_UP_MS) {
        options.onMeasure?.('start');
        engineMicros = 0;
        probeMicros = 0;
        sentAtStart = wire.sent;
      }
      const t0 = cpuMicros();
      wire.deliverFeedback();
      for (let nowMs = chunkMs; nowMs < chunkMs + CHUNK_MS; nowMs += ENGINE_TICK_MS) {
        wire.nowEpochMs = RUN_START_EPOCH_MS + nowMs;
        engine.tick(nowMs, wire.nowEpochMs);
      }
      const t1 = cpuMicros();
      wire.deliverMedia(probe, RUN_START_EPOCH_MS + chunkMs + CHUNK_MS);
      const t2 = cpuMicros();
      engineMicros += t1 - t0;
      probeMicros += t2 - t1;
      options.onProgress?.(chunkMs + CHUNK_MS);
    }
    options.onMeasure?.('end');
  } finally {
    await engine.close();
    await probe.close();
  }
  const sent = wire.sent - sentAtStart;
  return {
    feedback: options.feedback,
    participants: options.participants,
    media_s: options.mediaMs / 1000,
    loss_percent: options.lossPercent,
    datagrams_sent: wire.sent,
    datagrams_delivered: wire.delivered,
    rtcp_to_participants: wire.feedbackDelivered,
    engine_cpu_us_per_packet: round(engineMicros / sent, 3),
    probe_cpu_us_per_packet: round(probeMicros / sent, 3),
  };
}

/**
 * The network of the hot-path pass: datagrams the engine sends wait in a preallocated queue until
 * the pass hands them to the probe; the probe's RTCP waits until the engine's next tick. Loss drops
 * every n-th media datagram.
 */
class LoopbackWire {
  sent = 0;
  delivered = 0;
  feedbackDelivered = 0;
  /** The fake time datagrams sent now leave at (wall-clock ms). */
  nowEpochMs = 0;
  private readonly dropEvery: number;
  private readonly queue: Buffer[] = [];
  private readonly lengths: number[] = [];
  private readonly slots: number[] = [];
  private readonly sentAt: number[] = [];
  private queued = 0;
  private nextProbeTickMs = 0;
  private readonly handlers: (FeedbackHandler | null)[] = [];
  private readonly feedbackQueue: { slot: number; bytes: Buffer }[] = [];
  private readonly returnPaths: ReturnPath[] = [];

  constructor(lossPercent: number) {
    this.dropEvery = lossPercent > 0 ? Math.max(1, Math.round(100 / lossPercent)) : 0;
  }

  transport(slot: number): ParticipantTransport {
    this.handlers[slot] = null;
    this.returnPaths[slot] = { send: (buf, length) => void this.feedbackQueue.push({ slot, bytes: Buffer.from(buf.subarray(0, length)) }) };
    return {
      send: (header, headerLength, payload) => this.enqueue(slot, header, headerLength, payload),
      onFeedback: (handler) => void (this.handlers[slot] = handler),
      errors: 0,
      queueBusy: 0,
      close: async () => undefined,
    };
  }

  private enqueue(slot: number, header: Buffer, headerLength: number, payload: Buffer): void {
    this.sent++;
    if (this.dropEvery > 0 && this.sent % this.dropEvery === 0) return;
    if (this.queued === this.queue.length) {
      this.queue.push(Buffer.alloc(MAX_DATAGRAM));
      this.lengths.push(0);
      this.slots.push(0);
      this.sentAt.push(0);
    }
    const buf = this.queue[this.queued];
    header.copy(buf, 0, 0, headerLength);
    payload.copy(buf, headerLength);
    this.lengths[this.queued] = headerLength + payload.length;
    this.slots[this.queued] = slot;
    this.sentAt[this.queued] = this.nowEpochMs;
    this.queued++;
  }

  /** Hands the queued datagrams to the probe in send order, each arriving when it was sent, with the probe's feedback ticks in between, up to `untilEpochMs`. */
  deliverMedia(probe: ProbeReceiver, untilEpochMs: number): void {
    if (this.nextProbeTickMs === 0) this.nextProbeTickMs = RUN_START_EPOCH_MS;
    for (let i = 0; i < this.queued; i++) {
      const atMs = this.sentAt[i];
      for (; this.nextProbeTickMs <= atMs; this.nextProbeTickMs += PROBE_TICK_MS) probe.tickAt(this.nextProbeTickMs);
      probe.ingest(this.queue[i], this.lengths[i], atMs, -1, this.returnPaths[this.slots[i]]);
    }
    for (; this.nextProbeTickMs < untilEpochMs; this.nextProbeTickMs += PROBE_TICK_MS) probe.tickAt(this.nextProbeTickMs);
    this.delivered += this.queued;
    this.queued = 0;
  }

  deliverFeedback(): void {
    for (const { slot, bytes } of this.feedbackQueue) {
      this.handlers[slot]?.(bytes, bytes.length);
      this.feedbackDelivered++;
    }
    this.feedbackQueue.length = 0;
  }
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Medians of alternating passes with the feedback loop on and off, and what the loop adds. */
export interface HotPathSummary {
  participants: number;
  media_s: number;
  loss_percent: number;
  runs: number;
  feedback_on: { engine_cpu_us_per_packet: number; probe_cpu_us_per_packet: number };
  feedback_off: { engine_cpu_us_per_packet: number; probe_cpu_us_per_packet: number };
  /** (on - off) / off of the medians, %. */
  engine_added_percent: number;
  probe_added_percent: number;
  passes: HotPathFigures[];
}

/** Runs `runs` pairs of passes, on then off, alternating so a drifting machine speed hits both alike. */
export async function runHotPathComparison(options: Omit<HotPathOptions, 'feedback'> & { runs: number; log(line: string): void }): Promise<HotPathSummary> {
  const passes: HotPathFigures[] = [];
  for (let i = 0; i < options.runs; i++) {
    for (const feedback of [true, false]) {
      const pass = await runHotPathBench({ ...options, feedback });
      options.log(`  pass ${i + 1}/${options.runs} feedback ${feedback ? 'on ' : 'off'}: engine ${pass.engine_cpu_us_per_packet} us/packet, probe ${pass.probe_cpu_us_per_packet} us/packet`);
      passes.push(pass);
    }
  }
  const medianOf = (feedback: boolean, key: 'engine_cpu_us_per_packet' | 'probe_cpu_us_per_packet'): number => median(passes.filter((p) => p.feedback === feedback).map((p) => p[key]));
  const on = { engine_cpu_us_per_packet: medianOf(true, 'engine_cpu_us_per_packet'), probe_cpu_us_per_packet: medianOf(true, 'probe_cpu_us_per_packet') };
  const off = { engine_cpu_us_per_packet: medianOf(false, 'engine_cpu_us_per_packet'), probe_cpu_us_per_packet: medianOf(false, 'probe_cpu_us_per_packet') };
  return {
    participants: options.participants,
    media_s: options.mediaMs / 1000,
    loss_percent: options.lossPercent,
    runs: options.runs,
    feedback_on: on,
    feedback_off: off,
    engine_added_percent: round((100 * (on.engine_cpu_us_per_packet - off.engine_cpu_us_per_packet)) / off.engine_cpu_us_per_packet, 1),
    probe_added_percent: round((100 * (on.probe_cpu_us_per_packet - off.probe_cpu_us_per_packet)) / off.probe_cpu_us_per_packet, 1),
    passes,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
