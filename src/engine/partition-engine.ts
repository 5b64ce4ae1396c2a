import { createParticipantChaos, DROP, type ParticipantChaos } from '../chaos/index.js';
import type { MediaLibrary } from '../media/index.js';
import type { Plan, PlannedParticipant, PlannedSpike } from '../plan/types.js';
import { absSendTimeFromMs, extensionBlockBytes, RtpHeaderWriter } from '../rtp/index.js';
import type { Clock } from './clock.js';
import { DelayLine, type DelayedSender } from './delay-line.js';
import { emptyEngineStats, type EngineStats } from './engine-stats.js';
import { LatenessHistogram } from './lateness.js';
import { PeriodicSchedule } from './periodic-schedule.js';
import type { ParticipantTransport } from './transport.js';

/** Packets that can wait in the delay line at once (jitter/bandwidth spikes), per partition. */
const DELAY_LINE_SLOTS = 65_536;
/** How long after the run's end delayed packets may still leave. */
const DRAIN_AFTER_END_MS = 2_000;
/** When the loop has fallen this far behind it runs again without sleeping. */
const MAX_TICK_BACKLOG_MS = 5;

/** One RTP stream (a participant's video or audio): allocated once, mutated in place per packet. */
interface Stream {
  readonly participant: PlannedParticipant;
  readonly participantSlot: number;
  readonly writer: RtpHeaderWriter;
  readonly tsStart: number;
  sequenceNumber: number;
}

export interface EngineOptions {
  plan: Plan;
  partition: number;
  media: MediaLibrary;
  /** Opens one participant's transport (a UDP socket to the target, or a WebRTC peer connection). */
  openTransport(participant: PlannedParticipant): Promise<ParticipantTransport>;
}

/**
 * One partition's participants, paced by a single loop. Media frames are shared, pre-packetized
 * buffers; per packet the engine only stamps a stream's reused header and hands
 * `[header, payload]` to the participant's transport, possibly through the chaos stages and the
 * delay line. Timing comes from an injected clock; `tick()` does one pass and is what tests drive.
 */
export class PartitionEngine implements DelayedSender {
  readonly partition: number;
  readonly participants: PlannedParticipant[];
  private readonly plan: Plan;
  private readonly media: MediaLibrary;
  private readonly transports: ParticipantTransport[] = [];
  private readonly chaos: (ParticipantChaos | null)[];
  private readonly videoStreams: Stream[] = [];
  private readonly audioStreams: Stream[] = [];
  private readonly videoSchedule: PeriodicSchedule;
  private readonly audioSchedule: PeriodicSchedule;
  private readonly delayLine: DelayLine;
  private readonly spikes: PlannedSpike[];
  private readonly lateness = new LatenessHistogram();
  private readonly stats: EngineStats;
  private readonly durationMs: number;
  /** Per-tick values the emit callbacks read (kept as fields so the callbacks are allocated once). */
  private tickNowMs = 0;
  private tickAbsSendTime = 0;
  private readonly emitVideo = (streamId: number, dueMs: number, frameNumber: number): void => this.sendVideoFrame(streamId, dueMs, frameNumber);
  private readonly emitAudio = (streamId: number, dueMs: number, frameNumber: number): void => this.sendAudioFrame(streamId, dueMs, frameNumber);
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private clock: Clock | null = null;
  private stopped = false;
  private finish: (() => void) | null = null;

  private constructor(options: EngineOptions, transports: ParticipantTransport[]) {
    const { plan, partition, media } = options;
    this.plan = plan;
    this.partition = partition;
    this.media = media;
    this.durationMs = plan.durationMs;
    this.participants = plan.participants.filter((p) => p.partition === partition);
    this.transports = transports;
    // Slots exactly one header long (every stream of a plan has the same layout), so a delayed
    // packet leaves with its slot buffer as is: no view allocated per packet.
    this.delayLine = new DelayLine(DELAY_LINE_SLOTS, 12 + extensionBlockBytes(plan.extensions.layout));
    this.spikes = [...plan.spikes];
    this.chaos = this.participants.map((p) => createParticipantChaos(plan.spikes, p.id));
    this.stats = emptyEngineStats(partition, this.participants.length);
    const videoOffsets: { id: number; offsetMs: number }[] = [];
    const audioOffsets: { id: number; offsetMs: number }[] = [];
    this.participants.forEach((participant, slot) => {
      if (participant.videoSsrc !== null && plan.media.video && media.video) {
        videoOffsets.push({ id: this.videoStreams.length, offsetMs: participant.startOffsetMs });
        this.videoStreams.push(this.stream(participant, slot, plan.media.video.payloadType, participant.videoSsrc, participant.videoSeqStart, participant.videoTsStart));
      }
      if (participant.audioSsrc !== null && plan.media.audio && media.audio) {
        audioOffsets.push({ id: this.audioStreams.length, offsetMs: participant.startOffsetMs });
        this.audioStreams.push(this.stream(participant, slot, plan.media.audio.payloadType, participant.audioSsrc, participant.audioSeqStart, participant.audioTsStart));
      }
    });
    this.videoSchedule = new PeriodicSchedule(media.video ? 1000 / media.video.fps : 1000, videoOffsets);
    this.audioSchedule = new PeriodicSchedule(media.audio ? media.audio.ptimeMs : 1000, audioOffsets);
  }

  /** Opens every participant's transport (in parallel batches) and returns an engine ready to `start`. */
  static async create(options: EngineOptions): Promise<PartitionEngine> {
    const participants = options.plan.participants.filter((p) => p.partition === options.partition);
    const transports: ParticipantTransport[] = [];
    try {
      for (let i = 0; i < participants.length; i += 64) {
        const batch = participants.slice(i, i + 64).map((p) => options.openTransport(p));
        transports.push(...(await Promise.all(batch)));
      }
    } catch (error) {
      await Promise.all(transports.map((t) => t.close()));
      throw error;
    }
    return new PartitionEngine(options, transports);
  }

  private stream(participant: PlannedParticipant, slot: number, payloadType: number, ssrc: number, seqStart: number, tsStart: number): Stream {
    return {
      participant,
      participantSlot: slot,
      writer: new RtpHeaderWriter({ payloadType, ssrc, participantId: participant.id, extensions: this.plan.extensions }),
      tsStart,
      sequenceNumber: seqStart,
    };
  }

  /**
   * Sends from `clock` time 0 (the run start) for the plan's duration, then drains the delay line.
   * A partition that starts late (a restarted pod) joins at the frame due now. Resolves when done.
   */
  run(clock: Clock): Promise<void> {
    this.clock = clock;
    const now = clock.nowMs();
    if (now > 0) {
      this.videoSchedule.skipTo(now);
      this.audioSchedule.skipTo(now);
    }
    return new Promise((resolve) => {
      this.finish = resolve;
      this.schedule(clock.nowMs());
    });
  }


  /** One pacing pass at `nowMs` (run-relative) and `epochMs` (wall clock); returns the next due time. */
  tick(nowMs: number, epochMs: number): number {
    this.tickNowMs = nowMs;
    this.tickAbsSendTime = absSendTimeFromMs(epochMs);
    // Frames due at or after the end are not sent; the last one due is the one before durationMs.
    const sendUntil = Math.min(nowMs, this.durationMs - 1e-6);
    if (!this.stopped && sendUntil >= 0) {
      this.videoSchedule.drain(sendUntil, this.emitVideo);
      this.audioSchedule.drain(sendUntil, this.emitAudio);
    }
    this.delayLine.drain(nowMs, this);
    if (this.stopped || nowMs >= this.durationMs) return this.delayLine.nextDueMs();
    return Math.min(this.videoSchedule.nextDueMs(), this.audioSchedule.nextDueMs(), this.delayLine.nextDueMs());
  }

  private schedule(nextDueMs: number): void {
    const clock = this.clock!;
    const now = clock.nowMs();
    const ended = this.stopped || now >= this.durationMs;
    if (ended && (this.delayLine.length === 0 || now >= this.durationMs + DRAIN_AFTER_END_MS)) {
      this.timer = null;
      const finish = this.finish;
      this.finish = null;
      finish?.();
      return;
    }
    const waitMs = nextDueMs - now;
    // One tick batches everything due. Timers have ~1 ms granularity, so the loop sleeps at least
    // that long between ticks instead of spinning on setImmediate (staggered participants are
    // always due within the next millisecond): a frame leaves at most ~1-2 ms late, and the CPU
    // goes to sending, not to polling. Only work already overdue runs again at once.
    const loop = (): void => this.schedule(this.tick(clock.nowMs(), clock.epochMs()));
    this.timer = waitMs < -MAX_TICK_BACKLOG_MS ? setImmediate(loop) : setTimeout(loop, Math.max(1, Math.floor(waitMs)));
  }

  private sendVideoFrame(streamId: number, dueMs: number, frameNumber: number): void {
    const stream = this.videoStreams[streamId];
    const video = this.media.video!;
    const frame = video.frames[frameNumber % video.frames.length];
    const now = this.tickNowMs;
    this.lateness.record(now - dueMs);
    const chaos = this.chaos[stream.participantSlot];
    const packetCount = frame.payloads.length;
    const emitCount = chaos === null ? packetCount : chaos.planVideoFrame(packetCount, frame.bytes, frame.keyframe, now);
    if (emitCount === 0) {
      this.stats.framesSkipped++;
      return;
    }
    this.stats.framesSent++;
    const timestamp = (stream.tsStart + frameNumber * video.timestampStep) % 0x1_0000_0000;
    for (let i = 0; i < emitCount; i++) this.sendPacket(stream, chaos, frame.payloads[i], timestamp, i === emitCount - 1);
  }

  private sendAudioFrame(streamId: number, dueMs: number, frameNumber: number): void {
    const stream = this.audioStreams[streamId];
    const audio = this.media.audio!;
    this.lateness.record(this.tickNowMs - dueMs);
    const timestamp = (stream.tsStart + frameNumber * audio.timestampStep) % 0x1_0000_0000;
    this.sendPacket(stream, this.chaos[stream.participantSlot], audio.frames[frameNumber % audio.frames.length], timestamp, false);
  }

  private sendPacket(stream: Stream, chaos: ParticipantChaos | null, payload: Buffer, timestamp: number, marker: boolean): void {
    const writer = stream.writer;
    writer.stamp(stream.sequenceNumber, timestamp, marker, this.tickAbsSendTime);
    // A packet the network drops still consumed its sequence number: the receiver sees the gap.
    stream.sequenceNumber = (stream.sequenceNumber + 1) & 0xffff;
    const now = this.tickNowMs;
    const bytes = writer.length + payload.length;
    const leaveMs = chaos === null ? now : chaos.processPacket(bytes, now);
    if (leaveMs === DROP) {
      this.stats.packetsDroppedByChaos++;
      return;
    }
    if (leaveMs > now) {
      // A full delay line drops the packet (counted by the line): bounded memory, never growth.
      this.delayLine.push(leaveMs, stream.participantSlot, writer.buffer, writer.length, payload);
      return;
    }
    this.transmit(stream.participantSlot, writer.buffer, writer.length, payload);
  }

  /** DelayedSender: a held packet's leave time has come. */
  sendDelayed(participantSlot: number, header: Buffer, headerLength: number, payload: Buffer): void {
    this.transmit(participantSlot, header, headerLength, payload);
  }

  private transmit(participantSlot: number, header: Buffer, headerLength: number, payload: Buffer): void {
    if (this.stats.firstPacketMs === null) this.stats.firstPacketMs = this.tickNowMs;
    // Headers are fixed-size per layout: the writer's buffer and every delay-line slot are exactly `headerLength` long.
    this.transports[participantSlot].send(header, payload);
    this.stats.packetsSent++;
    this.stats.bytesSent += headerLength + payload.length;
  }

  /** Applies a live spike to this partition's targeted participants (REST injection). */
  injectSpike(spike: PlannedSpike): void {
    this.spikes.push(spike);
    const targets = new Set(spike.participantIds);
    this.participants.forEach((participant, slot) => {
      // The spike names its participants (the runner resolves "all" to ids), as chaos expects.
      if (!targets.has(participant.id)) return;
      const existing = this.chaos[slot];
      if (existing) existing.addSpike(spike);
      else this.chaos[slot] = createParticipantChaos([spike], participant.id);
    });
  }

  /** Counters since the start; cheap enough to call once a second. */
  snapshot(): EngineStats {
    let sendErrors = 0;
    let queueBusy = 0;
    for (const transport of this.transports) {
      sendErrors += transport.errors;
      queueBusy += transport.queueBusy;
    }
    const now = this.clock ? this.clock.nowMs() : 0;
    let active = 0;
    for (const spike of this.spikes) {
      if (spike.startMs <= now && now < spike.endMs && spike.participantIds.some((id) => this.participantIds.has(id))) active++;
    }
    return {
      ...this.stats,
      sendErrors,
      sendQueueBusy: queueBusy,
      delayLineOverflows: this.delayLine.overflowDrops,
      activeSpikes: active,
      lateness: this.lateness.toSparse(),
    };
  }

  private get participantIds(): Set<number> {
    this.idSet ??= new Set(this.participants.map((p) => p.id));
    return this.idSet;
  }
  private idSet: Set<number> | undefined;

  /** Stops sending new frames; delayed packets still drain. Idempotent. */
  stop(): void {
    this.stopped = true;
  }

  /** Stops the loop and closes every transport. Idempotent. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    const finish = this.finish;
    this.finish = null;
    finish?.();
    await Promise.all(this.transports.map((t) => t.close()));
  }
}
