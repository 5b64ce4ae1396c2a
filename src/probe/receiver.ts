import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { AvcmError } from '../errors/index.js';
import type { Endpoint, ExtensionPlan } from '../plan/types.js';
import { createParsedRtp, parseRtp } from '../rtp/index.js';
import { udpKernelCounters } from './kernel-counters.js';
import { estimateMos } from './mos.js';
import { StreamStats } from './stream-stats.js';
import type { ProbeReport } from './types.js';

/**
 * Receive buffer we ask for: a burst released by a jitter spike must not overflow the socket.
 * Linux silently caps it at net.core.rmem_max (the kernel's allowance), so asking high is safe.
 */
const RECEIVE_BUFFER_BYTES = 128 << 20;

export interface ProbeOptions {
  /** Where to bind (port 0 = ephemeral; `address` tells the port). IPv6 when the host has a ':'. */
  listen: Endpoint;
  videoPayloadType: number;
  audioPayloadType: number;
  /** The RFC 8285 ids (or the legacy layout) of the participant-id and abs-send-time extensions. */
  extensions: ExtensionPlan;
  /** Window length, ms (default 1000). */
  windowMs?: number;
  /** Planned run length, ms: windows are preallocated for it (more grow at window boundaries). */
  expectedDurationMs?: number;
  /** SO_RCVBUF to ask for, bytes (default 128 MiB, capped by the kernel). */
  receiveBufferBytes?: number;
}

/** All streams over the last complete window (`ProbeReceiver.live()`). */
export interface LiveSummary {
  streams: number;
  packetsReceived: number;
  lossPercent: number;
  jitterMs: number;
  delayMs: number | null;
  mos: number | null;
  /** The last complete window the figures cover; -1 before the first one completed. */
  windowIndex: number;
}

/** One stream's row of the live table over the last complete window (`ProbeReceiver.liveStreams()`). */
export interface LiveStreamRow {
  participantId: number | null;
  ssrc: number;
  media: 'video' | 'audio';
  received: number;
  lossPercent: number;
  jitterMs: number;
  delayMs: number | null;
  kbps: number;
  fps: number;
  mos: number | null;
}

/**
 * The probe: one UDP socket, packets parsed in place into one reused record, O(1) state per
 * stream keyed by SSRC, stats per window. `ingest` is the pure path (tests and the WebRTC probe
 * feed it directly); the socket only timestamps datagrams and hands them over.
 */
export class ProbeReceiver {
  readonly address: Endpoint;
  readonly windowMs: number;
  private readonly streams = new Map<number, StreamStats>();
  private readonly parsed = createParsedRtp();
  private readonly options: ProbeOptions;
  private readonly socket: dgram.Socket | null;
  private readonly rcvbufErrorsAtOpen: number | null;
  private readonly expectedWindows: number;
  private runStartEpochMs: number;
  /** Until `start`, every packet counts in window 0. */
  private runStarted = false;
  private closed = false;
  malformedPackets = 0;
  foreignPackets = 0;
  packetsReceived = 0;

  private constructor(options: ProbeOptions, socket: dgram.Socket | null, address: Endpoint) {
    this.options = options;
    this.socket = socket;
    this.address = address;
    this.windowMs = options.windowMs ?? 1000;
    this.expectedWindows = options.expectedDurationMs ? Math.ceil(options.expectedDurationMs / this.windowMs) + 2 : 64;
    this.runStartEpochMs = performance.timeOrigin + performance.now();
    this.rcvbufErrorsAtOpen = udpKernelCounters()?.rcvbufErrors ?? null;
  }

  /** Binds the probe's UDP socket (port 0 = ephemeral; `address` tells the port). Throws E_NETWORK. */
  static async open(options: ProbeOptions): Promise<ProbeReceiver> {
    const type = options.listen.host.includes(':') ? 'udp6' : 'udp4';
    const socket = dgram.createSocket({ type, recvBufferSize: options.receiveBufferBytes ?? RECEIVE_BUFFER_BYTES });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(options.listen.port, options.listen.host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      socket.close();
      const code = (error as NodeJS.ErrnoException).code;
      throw new AvcmError('E_NETWORK', `the probe cannot listen on udp://${options.listen.host}:${options.listen.port}: ${code ?? (error as Error).message}`, {
        hint: code === 'EADDRINUSE' ? 'another program (or run) uses that port; pick another probe.listen / target port' : undefined,
        cause: error,
      });
    }
    const bound = socket.address();
    const receiver = new ProbeReceiver(options, socket, { host: bound.address, port: bound.port });
    const origin = performance.timeOrigin;
    socket.on('message', (message) => receiver.ingest(message, message.length, origin + performance.now()));
    socket.on('error', () => undefined);
    return receiver;
  }

  /** A probe without a socket, fed through `ingest` only (WebRTC receivers, tests). */
  static detached(options: Omit<ProbeOptions, 'listen'>): ProbeReceiver {
    return new ProbeReceiver({ ...options, listen: { host: '0.0.0.0', port: 0 } }, null, { host: '0.0.0.0', port: 0 });
  }

  /** Sets window 0's start: the run start every partition shares. Packets before it count in window 0. */
  start(runStartEpochMs: number): void {
    this.runStartEpochMs = runStartEpochMs;
    this.runStarted = true;
    for (const stream of this.streams.values()) stream.setRunStart(runStartEpochMs);
  }

  /**
   * Accounts one datagram. Never throws, allocates nothing per packet except a stream's state on
   * its first packet. `participantId` overrides the header extension (a WebRTC subscription knows
   * whose stream it carries even when an SFU strips avcm's extension).
   */
  ingest(buf: Uint8Array, length: number, arrivalEpochMs: number, participantId = -1): void {
    const p = this.parsed;
    if (!parseRtp(buf, length, this.options.extensions, p)) {
      this.malformedPackets++;
      return;
    }
    const isVideo = p.payloadType === this.options.videoPayloadType;
    if (!isVideo && p.payloadType !== this.options.audioPayloadType) {
      this.foreignPackets++;
      return;
    }
    let stream = this.streams.get(p.ssrc);
    const id = participantId >= 0 ? participantId : p.participantId;
    if (stream === undefined) {
      stream = new StreamStats({
        ssrc: p.ssrc,
        media: isVideo ? 'video' : 'audio',
        payloadType: p.payloadType,
        participantId: id >= 0 ? id : null,
        windowMs: this.windowMs,
        runStartEpochMs: this.runStartEpochMs,
        expectedWindows: this.expectedWindows,
      });
      this.streams.set(p.ssrc, stream);
    } else if (stream.participantId === null && id >= 0) stream.participantId = id;
    const arrivalMs = arrivalEpochMs - this.runStartEpochMs;
    const windowIndex = !this.runStarted || arrivalMs <= 0 ? 0 : Math.floor(arrivalMs / this.windowMs);
    stream.ingest(p, length, arrivalMs, windowIndex);
    this.packetsReceived++;
  }

  private currentWindow(): number {
    return Math.floor((performance.timeOrigin + performance.now() - this.runStartEpochMs) / this.windowMs);
  }

  /** All streams over the last complete window: what a live display shows. */
  live(): LiveSummary {
    const index = this.currentWindow() - 1;
    let received = 0;
    let expected = 0;
    let jitterSum = 0;
    let delaySum = 0;
    let delayCount = 0;
    let counted = 0;
    if (index >= 0) {
      for (const stream of this.streams.values()) {
        const w = stream.windowStats(index);
        if (!w) continue;
        received += w.received;
        expected += w.expected;
        jitterSum += w.jitterMs;
        counted++;
        if (w.delayMsAvg !== null) {
          delaySum += w.delayMsAvg;
          delayCount++;
        }
      }
    }
    const lossPercent = expected > 0 ? (100 * Math.max(0, expected - received)) / expected : 0;
    const jitterMs = counted > 0 ? jitterSum / counted : 0;
    const delayMs = delayCount > 0 ? delaySum / delayCount : null;
    return {
      streams: this.streams.size,
      packetsReceived: this.packetsReceived,
      lossPercent,
      jitterMs,
      delayMs,
      mos: counted > 0 ? estimateMos({ oneWayDelayMs: delayMs ?? 0, jitterMs, lossPercent }) : null,
      windowIndex: counted > 0 ? index : -1,
    };
  }

  /** Per-stream rows over the last complete window, for `avcm receive`'s table. */
  liveStreams(): LiveStreamRow[] {
    const index = this.currentWindow() - 1;
    const rows: LiveStreamRow[] = [];
    for (const stream of this.streams.values()) {
      const w = index >= 0 ? stream.windowStats(index) : null;
      const lossPercent = w && w.expected > 0 ? (100 * w.lost) / w.expected : 0;
      const jitterMs = w ? w.jitterMs : stream.jitterMs;
      rows.push({
        participantId: stream.participantId,
        ssrc: stream.ssrc,
        media: stream.media,
        received: stream.received,
        lossPercent,
        jitterMs,
        delayMs: w?.delayMsAvg ?? null,
        kbps: w ? (w.bytes * 8) / this.windowMs : 0,
        fps: w ? (w.frames * 1000) / this.windowMs : 0,
        mos: w ? estimateMos({ oneWayDelayMs: w.delayMsAvg ?? 0, jitterMs, lossPercent }) : null,
      });
    }
    return rows.sort((a, b) => (a.participantId ?? Infinity) - (b.participantId ?? Infinity) || a.media.localeCompare(b.media));
  }

  /**
   * The measured report, called at the end of a run, over `windowCount` windows (default: up to the
   * last window any stream touched). kernelRcvbufErrors = the Udp RcvbufErrors delta since `open`.
   */
  report(windowCount?: number): ProbeReport {
    let touched = 1;
    for (const stream of this.streams.values()) touched = Math.max(touched, stream.windowCount);
    const count = windowCount ?? touched;
    const after = udpKernelCounters()?.rcvbufErrors ?? null;
    return {
      runStartEpochMs: this.runStartEpochMs,
      windowMs: this.windowMs,
      windowCount: count,
      streams: [...this.streams.values()].map((s) => s.report(count)).sort((a, b) => (a.participantId ?? Infinity) - (b.participantId ?? Infinity) || a.media.localeCompare(b.media) || a.ssrc - b.ssrc),
      malformedPackets: this.malformedPackets,
      foreignPackets: this.foreignPackets,
      kernelRcvbufErrors: after !== null && this.rcvbufErrorsAtOpen !== null ? after - this.rcvbufErrorsAtOpen : null,
    };
  }

  /** Closes the socket; idempotent. `report()` still works afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.socket) await new Promise<void>((resolve) => this.socket!.close(() => resolve()));
  }
}
