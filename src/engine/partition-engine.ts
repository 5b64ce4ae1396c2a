import { createParticipantChaos, DROP, type ParticipantChaos } from '../chaos/index.js';
import { DelayHistogram } from '../health/index.js';
import type { MediaLibrary, VideoTrack } from '../media/index.js';
import { createRng, deriveSeed } from '../plan/rng.js';
import { isViewerSide, type Plan, type PlannedParticipant, type PlannedSpike } from '../plan/types.js';
import { absSendTimeFromMs, extensionBlockBytes, RtpHeaderWriter } from '../rtp/index.js';
import { SenderFeedback, SenderSession, type SenderStreamReport } from '../session/index.js';
import type { Clock } from './clock.js';
import { DelayLine, type DelayedSender } from './delay-line.js';
import { type EngineIo, immediateIo } from './engine-io.js';
import { emptyEngineStats, type EngineStats, type WebRtcMediaPaths } from './engine-stats.js';
import { LatenessHistogram } from './lateness.js';
import { offsetInPeriodMs, PeriodicSchedule } from './periodic-schedule.js';
import type { ParticipantTransport } from './transport.js';

/** Packets that can wait in the delay line at once (jitter/bandwidth spikes), per partition. */
const DELAY_LINE_SLOTS = 65_536;
/** How long after the run's end delayed packets may still leave. */
const DRAIN_AFTER_END_MS = 2_000;
/** When the loop has fallen this far behind it runs again without sleeping. */
const MAX_TICK_BACKLOG_MS = 5;
/** Delay-line slots hold an RTP header + RTX's 2 bytes, or a whole RTCP compound up to this. */
const MAX_CONTROL_BYTES = 256;
/** What a packet on the network path is, for the counters (the delay line carries it along). */
const KIND_MEDIA = 0;
const KIND_RETRANSMISSION = 1;
const KIND_RTCP = 2;
const NO_PAYLOAD = Buffer.alloc(0);

/** One RTP stream (a participant's video, one of its simulcast layers, or its audio): allocated once, mutated in place per packet. */
interface Stream {
  readonly participant: PlannedParticipant;
  readonly participantSlot: number;
  readonly writer: RtpHeaderWriter;
  readonly tsStart: number;
  sequenceNumber: number;
  /** The stream's side of the RTCP feedback loop; null when the plan has none. */
  readonly session: SenderSession | null;
  /** Video: the clip this stream sends (its simulcast layer's), and its keyframe table; null for audio. */
  readonly track: VideoTrack | null;
  readonly keyframeAfter: Int32Array | null;
  /** Video: where this stream is in its clip, relative to the run's frame grid (a keyframe request moves it). */
  clipOffset: number;
}

/** What a stream is, from the plan: its medium, RTP identity and starts, RTX, and for video its clip and RID. */
interface StreamSpec {
  media: 'video' | 'audio';
  payloadType: number;
  ssrc: number;
  seqStart: number;
  tsStart: number;
  rtxSsrc: number | null;
  rtxSeqStart: number;
  track: VideoTrack | null;
  /** A simulcast layer's RID (RFC 8852); null for a single encoding or audio. */
  rid: string | null;
}

/** For each frame index of a clip, the index of the first keyframe at or after it (cyclically). */
function keyframeTable(video: VideoTrack): Int32Array {
  const n = video.frames.length;
  const table = new Int32Array(n);
  let next = video.frames.findIndex((f) => f.keyframe);
  if (next < 0) next = 0;
  for (let i = n - 1; i >= 0; i--) {
    if (video.frames[i].keyframe) next = i;
    table[i] = next;
  }
  // Frames after the clip's last keyframe wrap to its first one (the clip starts on a keyframe).
  return table;
}

export interface EngineOptions {
  plan: Plan;
  partition: number;
  media: MediaLibrary;
  /** Opens one participant's transport (a UDP socket to the target, or a WebRTC peer connection). */
  openTransport(participant: PlannedParticipant): Promise<ParticipantTransport>;
  /** The layer under the transports, flushed once per tick and after feedback; default: node:dgram (sends at once). */
  io?: EngineIo;
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
  private readonly io: EngineIo;
  private readonly chaos: (ParticipantChaos | null)[];
  private readonly videoStreams: Stream[] = [];
  private readonly audioStreams: Stream[] = [];
  private readonly videoSchedule: PeriodicSchedule;
  private readonly audioSchedule: PeriodicSchedule;
  private readonly delayLine: DelayLine;
  private readonly spikes: PlannedSpike[];
  private readonly lateness = new LatenessHistogram();
  /** The current window's lateness, for the generator's health (taken and reset once per window). */
  private readonly windowLateness = new DelayHistogram();
  private readonly stats: EngineStats;
  private readonly durationMs: number;
  /** The streams' RTCP feedback loop (SRs, NACK/PLI answers); null when the plan has none. */
  private readonly feedback: SenderFeedback | null;
  /** Keyframe tables per clip (simulcast layers each have one), shared by the streams sending it. */
  private readonly keyframeTables = new Map<VideoTrack, Int32Array>();
  /** When the current timer fires (run ms), to wake earlier for packets queued between ticks. */
  private timerDueMs = Infinity;
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
    this.io = options.io ?? immediateIo('dgram');
    const headerBytes = 12 + extensionBlockBytes(plan.extensions.layout);
    // Slots hold an RTP header (RTX: 2 bytes more) or a whole RTCP compound; a delayed media
    // packet reuses its slot's cached view, so it allocates nothing.
    this.delayLine = new DelayLine(DELAY_LINE_SLOTS, Math.max(headerBytes + 2, MAX_CONTROL_BYTES));
    this.spikes = [...plan.spikes];
    this.chaos = this.participants.map((p) => createParticipantChaos(plan.spikes, p.id));
    this.stats = emptyEngineStats(partition, this.participants.length);
    const rtcp = plan.rtcp;
    this.feedback = rtcp
      ? new SenderFeedback((slot, buffer, length, nowMs) => this.toNetwork(slot, KIND_RTCP, buffer, length, NO_PAYLOAD, nowMs), rtcp.reportIntervalMs, createRng(deriveSeed(plan.seed, 0x5e, partition)))
      : null;
    const videoOffsets: { id: number; offsetMs: number }[] = [];
    const audioOffsets: { id: number; offsetMs: number }[] = [];
    this.participants.forEach((participant, slot) => {
      for (const spec of this.videoSpecs(participant)) {
        // Layers of one participant are due together: one frame of the grid, sent layer after layer.
        videoOffsets.push({ id: this.videoStreams.length, offsetMs: participant.startOffsetMs });
        this.videoStreams.push(this.stream(participant, slot, spec));
      }
      if (participant.audioSsrc !== null && plan.media.audio && media.audio) {
        audioOffsets.push({ id: this.audioStreams.length, offsetMs: participant.startOffsetMs });
        const spec: StreamSpec = { media: 'audio', payloadType: plan.media.audio.payloadType, ssrc: participant.audioSsrc, seqStart: participant.audioSeqStart, tsStart: participant.audioTsStart, rtxSsrc: null, rtxSeqStart: 0, track: null, rid: null };
        this.audioStreams.push(this.stream(participant, slot, spec));
      }
      transports[slot].onFeedback((buf, length) => this.onFeedback(slot, buf, length));
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

  /**
   * A participant's video streams: one per simulcast layer (each with its layer's clip, SSRC, RTX
   * and RID), else its one encoding; none when it sends no video.
   */
  private videoSpecs(participant: PlannedParticipant): StreamSpec[] {
    const video = this.plan.media.video;
    const track = this.media.video;
    if (participant.videoSsrc === null || !video || !track) return [];
    const layers = participant.videoLayers;
    const tracks = this.media.videoLayers;
    if (layers && tracks) {
      return layers.map((layer, i) => ({ media: 'video', payloadType: video.payloadType, ssrc: layer.ssrc, seqStart: layer.seqStart, tsStart: layer.tsStart, rtxSsrc: layer.rtxSsrc, rtxSeqStart: layer.rtxSeqStart, track: tracks[i], rid: layer.rid }));
    }
    return [{ media: 'video', payloadType: video.payloadType, ssrc: participant.videoSsrc, seqStart: participant.videoSeqStart, tsStart: participant.videoTsStart, rtxSsrc: participant.videoRtxSsrc, rtxSeqStart: participant.videoRtxSeqStart, track, rid: null }];
  }

  private stream(participant: PlannedParticipant, slot: number, spec: StreamSpec): Stream {
    // Over WebRTC a layer also carries its media section's MID, so an SFU can place its SSRC.
    const mid = spec.rid !== null ? (this.transports[slot].videoMid ?? null) : null;
    const header = (): RtpHeaderWriter => new RtpHeaderWriter({ payloadType: spec.payloadType, ssrc: spec.ssrc, participantId: participant.id, extensions: this.plan.extensions, rid: spec.rid, mid });
    const writer = header();
    let keyframeAfter: Int32Array | null = null;
    if (spec.track) {
      keyframeAfter = this.keyframeTables.get(spec.track) ?? keyframeTable(spec.track);
      this.keyframeTables.set(spec.track, keyframeAfter);
    }
    return {
      participant,
      participantSlot: slot,
      writer,
      tsStart: spec.tsStart,
      sequenceNumber: spec.seqStart,
      session: this.senderSession(participant, slot, spec, header),
      track: spec.track,
      keyframeAfter,
      clipOffset: 0,
    };
  }

  /** The stream's feedback stages, registered with the engine's RTCP loop; null without one. */
  private senderSession(participant: PlannedParticipant, slot: number, spec: StreamSpec, header: () => RtpHeaderWriter): SenderSession | null {
    const rtcp = this.plan.rtcp;
    if (!rtcp || !this.feedback) return null;
    const media = spec.media;
    const video = spec.track;
    const rtxPayloadType = this.plan.media.video?.rtxPayloadType ?? null;
    const rtxAccepted = this.transports[slot].rtxNegotiated !== false;
    const rtx =
      media === 'video' && rtxAccepted && spec.rtxSsrc !== null && rtxPayloadType !== null
        ? { ssrc: spec.rtxSsrc, payloadType: rtxPayloadType, sequenceNumber: spec.rtxSeqStart, repairedRidId: spec.rid !== null ? (this.plan.extensions.repairedRidId ?? 0) : 0 }
        : null;
    const packetsPerSecond =
      media === 'video' && video ? (video.frames.reduce((n, f) => n + f.payloads.length, 0) * video.fps) / video.frames.length : 1000 / (this.media.audio?.ptimeMs ?? 20);
    // The schedule sends frame 0 (timestamp tsStart) at the start offset taken inside the period:
    // the SR's NTP <-> RTP mapping must use that instant (audio's 20 ms period is shorter than the
    // stagger, so for many participants it is not the start offset itself).
    const periodMs = media === 'video' && video ? 1000 / video.fps : (this.media.audio?.ptimeMs ?? 20);
    const firstFrameMs = offsetInPeriodMs(participant.startOffsetMs, periodMs);
    const session = new SenderSession({
      participantId: participant.id,
      participantSlot: slot,
      media,
      ssrc: spec.ssrc,
      rtx,
      rid: spec.rid,
      cname: `avcm-${participant.id}`,
      clockRateHz: media === 'video' ? 90_000 : 48_000,
      tsStart: spec.tsStart,
      startOffsetMs: firstFrameMs,
      packetsPerSecond,
      resendHeader: header(),
      expectedWindows: Math.ceil(this.durationMs / 1000) + 2,
      options: rtcp,
      output: (h, headerLength, payload, nowMs) => this.toNetwork(slot, KIND_RETRANSMISSION, h, headerLength, payload, nowMs),
    });
    this.feedback.add(session, firstFrameMs);
    return session;
  }

  /** RTCP from the far end on participant `slot`'s transport: routed to the stream it is about. */
  private onFeedback(slot: number, buf: Uint8Array, length: number): void {
    const clock = this.clock;
    this.stats.rtcpReceived++;
    if (this.feedback === null || clock === null || this.stopped) return;
    const before = this.feedback.malformed;
    this.feedback.handleRtcp(slot, buf, length, clock.nowMs(), clock.epochMs());
    this.stats.rtcpMalformed += this.feedback.malformed - before;
    // Retransmissions that leave now were queued by the transports: send them now, not at the next tick.
    this.io.flush();
    // A retransmission may now wait in the delay line before the timer's next tick.
    this.wake(this.delayLine.nextDueMs());
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
    const nextReportMs = !this.stopped && nowMs < this.durationMs && this.feedback ? this.feedback.tick(nowMs, epochMs) : Infinity;
    this.delayLine.drain(nowMs, this);
    // Everything this tick sent leaves in one system call per batch (a participant's frame burst as one GSO datagram).
    this.io.flush();
    if (this.stopped || nowMs >= this.durationMs) return this.delayLine.nextDueMs();
    return Math.min(this.videoSchedule.nextDueMs(), this.audioSchedule.nextDueMs(), this.delayLine.nextDueMs(), nextReportMs);
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
    const loop = (): void => {
      this.timer = null;
      this.schedule(this.tick(clock.nowMs(), clock.epochMs()));
    };
    this.timerDueMs = now + Math.max(1, waitMs);
    this.timer = waitMs < -MAX_TICK_BACKLOG_MS ? setImmediate(loop) : setTimeout(loop, Math.max(1, Math.floor(waitMs)));
  }

  /** Packets were queued outside a tick (a retransmission): make sure the loop runs by `dueMs`. */
  private wake(dueMs: number): void {
    if (this.timer === null || this.clock === null || dueMs >= this.timerDueMs || this.finish === null) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = null;
    this.schedule(dueMs);
  }

  private sendVideoFrame(streamId: number, dueMs: number, frameNumber: number): void {
    const stream = this.videoStreams[streamId];
    const video = stream.track!;
    const n = video.frames.length;
    let index = (frameNumber + stream.clipOffset) % n;
    const keyframeRequest = stream.session?.keyframe ?? null;
    if (keyframeRequest !== null && keyframeRequest.pending) {
      // A PLI/FIR: this stream jumps ahead to its clip's next IDR (a simulcast layer alone, as a
      // browser's encoder answers per layer); the RTP timestamp stays on the run's frame grid and
      // the sequence numbers continue, so nothing jumps on the wire.
      const keyframeIndex = stream.keyframeAfter![index];
      stream.clipOffset = (stream.clipOffset + keyframeIndex - index + n) % n;
      index = keyframeIndex;
    }
    const frame = video.frames[index];
    const now = this.tickNowMs;
    this.lateness.record(now - dueMs);
    this.windowLateness.record(now - dueMs);
    const chaos = this.chaos[stream.participantSlot];
    const packetCount = frame.payloads.length;
    const emitCount = chaos === null ? packetCount : chaos.planVideoFrame(packetCount, frame.bytes, frame.keyframe, now);
    if (emitCount === 0) {
      this.stats.framesSkipped++;
      return;
    }
    this.stats.framesSent++;
    const timestamp = (stream.tsStart + frameNumber * video.timestampStep) % 0x1_0000_0000;
    for (let i = 0; i < emitCount; i++) this.sendPacket(stream, frame.payloads[i], timestamp, i === emitCount - 1);
    if (keyframeRequest !== null && keyframeRequest.pending && frame.keyframe) {
      keyframeRequest.answered(now);
      this.stats.keyframesSent++;
    }
  }

  private sendAudioFrame(streamId: number, dueMs: number, frameNumber: number): void {
    const stream = this.audioStreams[streamId];
    const audio = this.media.audio!;
    this.lateness.record(this.tickNowMs - dueMs);
    this.windowLateness.record(this.tickNowMs - dueMs);
    const timestamp = (stream.tsStart + frameNumber * audio.timestampStep) % 0x1_0000_0000;
    this.sendPacket(stream, audio.frames[frameNumber % audio.frames.length], timestamp, false);
  }

  private sendPacket(stream: Stream, payload: Buffer, timestamp: number, marker: boolean): void {
    const writer = stream.writer;
    const sequenceNumber = stream.sequenceNumber;
    writer.stamp(sequenceNumber, timestamp, marker, this.tickAbsSendTime);
    // A packet the network drops still consumed its sequence number: the receiver sees the gap.
    stream.sequenceNumber = (sequenceNumber + 1) & 0xffff;
    stream.session?.recordSent(sequenceNumber, timestamp | 0, marker, payload);
    this.toNetwork(stream.participantSlot, KIND_MEDIA, writer.buffer, writer.length, payload, this.tickNowMs);
  }

  /**
   * Every packet a participant sends (media, retransmission, RTCP) takes this path: the network-side
   * chaos decides whether it is lost or when it leaves, then the delay line or the transport.
   */
  private toNetwork(slot: number, kind: number, header: Buffer, headerLength: number, payload: Buffer, nowMs: number): void {
    const chaos = this.chaos[slot];
    const leaveMs = chaos === null ? nowMs : chaos.processPacket(headerLength + payload.length, nowMs);
    if (leaveMs === DROP) {
      if (kind === KIND_MEDIA) this.stats.packetsDroppedByChaos++;
      return;
    }
    if (leaveMs > nowMs) {
      // A full delay line drops the packet (counted by the line): bounded memory, never growth.
      this.delayLine.push(leaveMs, slot, kind, header, headerLength, payload);
      return;
    }
    this.transmit(slot, kind, header, headerLength, payload);
  }

  /** DelayedSender: a held packet's leave time has come. */
  sendDelayed(participantSlot: number, kind: number, header: Buffer, headerLength: number, payload: Buffer): void {
    this.transmit(participantSlot, kind, header, headerLength, payload);
  }

  private transmit(participantSlot: number, kind: number, header: Buffer, headerLength: number, payload: Buffer): void {
    this.transports[participantSlot].send(header, headerLength, payload);
    if (kind === KIND_MEDIA) {
      if (this.stats.firstPacketMs === null) this.stats.firstPacketMs = this.tickNowMs;
      this.stats.packetsSent++;
      this.stats.bytesSent += headerLength + payload.length;
    } else if (kind === KIND_RETRANSMISSION) this.stats.retransmissionsSent++;
    else this.stats.rtcpSent++;
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

  /**
   * Counters since the start; cheap enough to call once a second. `final`: the last report, with
   * every stream's feedback figures and the whole lateness histogram. Reports during the run carry
   * neither: both grow with the run (the histogram by each 0.1 ms bucket a stall reaches, to
   * 10,001 pairs), and a report goes out every window, to be parsed and merged by the controller.
   */
  snapshot(final = false): EngineStats {
    let sendErrors = 0;
    let sendRefused = 0;
    let queueBusy = 0;
    let webrtcMedia: WebRtcMediaPaths | undefined;
    for (const transport of this.transports) {
      sendErrors += transport.errors;
      sendRefused += transport.refused ?? 0;
      queueBusy += transport.queueBusy;
      if (transport.mediaPath === undefined) continue;
      webrtcMedia ??= { native: 0, werift: 0, reasons: [] };
      if (transport.mediaPath === 'native') webrtcMedia.native++;
      else if (transport.mediaPath === 'werift') webrtcMedia.werift++;
      const reason = transport.mediaPath ? transport.mediaPathReason : null;
      if (reason && !webrtcMedia.reasons.includes(reason)) webrtcMedia.reasons.push(reason);
    }
    const now = this.clock ? this.clock.nowMs() : 0;
    let active = 0;
    for (const spike of this.spikes) {
      if (spike.startMs <= now && now < spike.endMs && !isViewerSide(spike) && spike.participantIds.some((id) => this.participantIds.has(id))) active++;
    }
    return {
      ...this.stats,
      sendErrors,
      sendRefused,
      sendQueueBusy: queueBusy,
      io: this.io.path,
      ...(webrtcMedia ? { webrtcMedia } : {}),
      wouldBlock: this.io.wouldBlock,
      sendDropped: this.io.sendDropped,
      delayLineOverflows: this.delayLine.overflowDrops,
      activeSpikes: active,
      lateness: final ? this.lateness.toSparse() : { buckets: [], maxMs: this.lateness.maxMs },
      senders: final ? this.senderReports() : null,
    };
  }

  /** Pacing lateness of the frames sent since the last call (p99, max; null when none), ms; starts the next window. Once per window. */
  takeWindowLateness(): { p99Ms: number | null; maxMs: number | null } {
    return this.windowLateness.take();
  }

  /** Every stream's feedback figures over the run's windows. */
  senderReports(): SenderStreamReport[] {
    return this.feedback ? this.feedback.report(Math.ceil(this.durationMs / 1000)) : [];
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
