import type { SenderStreamReport } from '../session/index.js';
import type { EngineIoPath } from './engine-io.js';
import type { ReconnectRecord } from '../webrtc/reconnect-record.js';

/** What an engine (one partition) reports: counters since the run start, plus pacing lateness. */
export interface EngineStats {
  partition: number;
  participants: number;
  packetsSent: number;
  bytesSent: number;
  /** Packets the chaos stages dropped (loss, bandwidth tail drop): sequence numbers consumed, never sent. */
  packetsDroppedByChaos: number;
  /** Video frames the encoder-side stages skipped (frame_drop, bitrate_reduce). */
  framesSkipped: number;
  framesSent: number;
  /** Errors returned by the socket (e.g. ICMP port unreachable); the run goes on. */
  sendErrors: number;
  /** Of `sendErrors`, the target refusing the packets (ICMP port unreachable: nothing listens there). */
  sendRefused: number;
  /** Packets dropped because the delay line was full. */
  delayLineOverflows: number;
  /** Sends that found the kernel queue busy: dgram copied the header; batched I/O dropped the rest of that flush's run (see `sendDropped`). */
  sendQueueBusy: number;
  /** The I/O the participants used. Absent in reports of engines older than the batched layer. */
  io?: EngineIoPath;
  /**
   * WebRTC runs: connected participants whose media the batched native path carries, those on
   * werift's path, and why (distinct reasons). Absent for plain UDP and in older engines' reports.
   */
  webrtcMedia?: WebRtcMediaPaths;
  /** Batched I/O: send calls refused with a full socket buffer (EAGAIN/ENOBUFS); 0 with dgram. */
  wouldBlock?: number;
  /** Batched I/O: packets handed to the socket layer that never left (full buffer, send errors); 0 with dgram, which queues instead. */
  sendDropped?: number;
  activeSpikes: number;
  /**
   * Frames' pacing lateness since the start (0.1 ms buckets as [bucket, count] pairs, and the
   * largest, ms). The buckets only in the final report (`done`); reports during the run carry the
   * largest and no buckets (engines before the soak fix sent them every window).
   */
  lateness: { buckets: [number, number][]; maxMs: number };
  /** ms from the run start to this engine's first packet. */
  firstPacketMs: number | null;
  /** RTCP the engine's streams sent (SR + SDES compounds) and received (RR, NACK, PLI, FIR, REMB), and received RTCP that was malformed. */
  rtcpSent: number;
  rtcpReceived: number;
  rtcpMalformed: number;
  /** Packets retransmitted in answer to NACKs (RTX or the same packet). */
  retransmissionsSent: number;
  /** Keyframes sent in answer to PLI/FIR. */
  keyframesSent: number;
  /** Per-stream feedback figures (round trip, NACKs, PLIs, ...); only in the final report (`done`), null otherwise. */
  senders: SenderStreamReport[] | null;
  /** Lost WebRTC sessions of this partition's participants and their rejoins; only in the final report (`done`) of WebRTC runs through an SFU. */
  reconnects?: ReconnectRecord[];
  /** The engine process's resources (filled by the agent when it reports). */
  process: {
    cpuUserMs: number;
    cpuSystemMs: number;
    rssBytes: number;
    /** V8 heap in use, bytes (absent from engines before the soak benchmark). */
    heapUsedBytes?: number;
    /** V8 heap committed, in use or not, bytes (these three are absent from engines before the soak's memory breakdown). */
    heapTotalBytes?: number;
    /** Memory outside the V8 heap that JS objects hold (Buffers, typed arrays), bytes. */
    externalBytes?: number;
    /** Of `externalBytes`, ArrayBuffer backing stores, bytes. */
    arrayBuffersBytes?: number;
    eventLoopDelayP99Ms: number;
    eventLoopDelayMaxMs: number;
  } | null;
}

/** Where WebRTC participants' media runs (see `EngineStats.webrtcMedia`). */
export interface WebRtcMediaPaths {
  native: number;
  werift: number;
  reasons: string[];
}

export function emptyEngineStats(partition: number, participants: number): EngineStats {
  return {
    partition,
    participants,
    packetsSent: 0,
    bytesSent: 0,
    packetsDroppedByChaos: 0,
    framesSkipped: 0,
    framesSent: 0,
    sendErrors: 0,
    sendRefused: 0,
    delayLineOverflows: 0,
    sendQueueBusy: 0,
    wouldBlock: 0,
    sendDropped: 0,
    activeSpikes: 0,
    lateness: { buckets: [], maxMs: 0 },
    firstPacketMs: null,
    rtcpSent: 0,
    rtcpReceived: 0,
    rtcpMalformed: 0,
    retransmissionsSent: 0,
    keyframesSent: 0,
    senders: null,
    process: null,
  };
}
