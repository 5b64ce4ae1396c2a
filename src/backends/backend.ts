/**
 * Where the participant engines (and, for remote backends, the probe) run. local, docker and k8s
 * implement the same interface; the runner only ever sees `Backend`.
 */
import type { EngineIoPath, WebRtcMediaPaths } from '../engine/index.js';
import type { EngineHealthWindow } from '../health/index.js';
import type { IoRequest } from '../io/index.js';
import type { Endpoint, Plan, PlannedSpike } from '../plan/types.js';
import type { ProbeReport } from '../probe/types.js';
import type { SenderStreamReport } from '../session/index.js';
import type { ReconnectRecord } from '../webrtc/reconnect-record.js';

export interface LaunchOptions {
  /**
   * Where the participants send plain RTP (already resolved: the built-in probe's address when the
   * plan has no target); null for WebRTC runs, whose participants are reached through `signaling`,
   * and for backends that run the probe themselves (docker, k8s) when the plan names no target.
   */
  target: Endpoint | null;
  signal: AbortSignal;
  /** Plain progress lines for the user (pod readiness, restarts); no trailing newline. */
  log(line: string): void;
  /** WebRTC runs: answers a participant's SDP offer (the probe, an SFU adapter, or a REST client). */
  signaling?: (participantId: number, offerSdp: string) => Promise<string>;
  /**
   * The participants' UDP I/O (`avcm agent --io`). `auto` (default) lets each engine decide where
   * it runs (batched when the addon loads there); local runs pass the path the runner resolved.
   */
  io?: IoRequest;
}

/** What engines reported so far, summed over partitions. */
export interface EngineTotals {
  participants: number;
  packetsSent: number;
  bytesSent: number;
  sendErrors: number;
  /** Of `sendErrors`, sends the target refused (ICMP port unreachable). */
  sendRefused: number;
  /** Packets the chaos stages dropped on purpose (loss, bandwidth tail drop). */
  packetsDropped: number;
  /** Partitions that reported ready / done. */
  partitionsReady: number;
  partitionsDone: number;
  /** Frames' pacing lateness merged over partitions (0.1 ms buckets), for the benchmark: whole once every partition is done, the largest only before. */
  lateness: { buckets: [number, number][]; maxMs: number };
  /** Earliest first packet of any partition, ms after the run start; null before any. */
  firstPacketMs: number | null;
  /** Packets dropped because a partition's delay line was full (a chaos spike queued too much). */
  delayLineOverflows: number;
  /** The I/O the partitions reported using; `mixed` when they differ; null before any reported it. */
  io: EngineIoPath | 'mixed' | null;
  /** Batched I/O: sends refused with a full socket buffer, and packets that never left (full buffer, send errors). */
  wouldBlock: number;
  sendDropped: number;
  /** Engine processes' resources summed (CPU, RSS) or maxed (event-loop delay); null before the first report. */
  processes: { cpuMs: number; rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number; arrayBuffersBytes: number; eventLoopDelayP99Ms: number; eventLoopDelayMaxMs: number } | null;
  /** The feedback loop at the senders: RTCP sent and received, retransmissions and keyframes sent in answer. */
  rtcpSent: number;
  rtcpReceived: number;
  retransmissionsSent: number;
  keyframesSent: number;
  /** Every sending stream's feedback figures (round trip, NACKs, PLIs), once its partition is done. */
  senders: SenderStreamReport[];
  /** Participants' lost WebRTC sessions and rejoins, once their partition is done. */
  reconnects: ReconnectRecord[];
  /** WebRTC runs: connected participants' media on the native batched path vs werift's, and why; null for plain UDP. */
  webrtcMedia: WebRtcMediaPaths | null;
  /** Each partition's health, window by window, as far as it reported (engines of older images report none). */
  health: PartitionHealth[];
}

/** One partition's engine health over the windows it reported. */
export interface PartitionHealth {
  partition: number;
  windows: EngineHealthWindow[];
}

/** A launched run: every partition is up (sockets open, media loaded) and waits for `start`. */
export interface RunHandle {
  /**
   * Set when the backend fixed the run start itself (remote pods/containers read it from their
   * configuration, so a restarted one rejoins on the same grid); the runner then uses it.
   */
  readonly startEpochMs: number | null;
  /** Tells every partition the epoch ms at which frame 0 is due; they send from then for the plan's duration. */
  start(runStartEpochMs: number): void;
  totals(): EngineTotals;
  /** Sends a live spike to every partition; each applies it to its own participants. */
  injectSpike(spike: PlannedSpike): void;
  /** Resolves when every partition finished its duration (or was stopped). Rejects with an AvcmError on backend failure. */
  finished(): Promise<void>;
  /** For backends that run the probe themselves (k8s, docker); local returns null (the runner owns the probe). */
  collectProbeReport(): Promise<ProbeReport | null>;
  /** Partition restarts seen (pods rejoining from the ConfigMap plan). */
  restarts(): { partition: number; count: number }[];
  /** Stops everything; idempotent. */
  stop(): Promise<void>;
}

export interface Backend {
  readonly name: 'local' | 'docker' | 'k8s';
  /** Starts the partitions and resolves once all of them are ready to send (not yet sending). */
  launch(plan: Plan, options: LaunchOptions): Promise<RunHandle>;
}
