/**
 * The compiled plan: a pure, deterministic, JSON-serializable description of one run.
 * Produced by `compile(scenario, {seed, partitions})`; read by backends, engines, probe and verdict.
 * All times are milliseconds relative to the run start (t = 0 when the first frame is due).
 */
import type { NetworkTrace } from '../trace/types.js';

/** How participants join an SFU and how the probe subscribes to what it forwards. */
export type SfuSpec =
  | { kind: 'janus-videoroom'; url: string; room: number | null; secretEnv: string | null }
  | { kind: 'whip'; whipUrl: string; whepUrl: string; tokenEnv: string | null };


/** Spikes the engines apply to their participants' media (the network and the encoder). */
export type NetworkSpikeType =
  | 'rtp_packet_loss'
  | 'network_jitter'
  | 'bitrate_reduce'
  | 'frame_drop'
  | 'bandwidth_limit'
  | 'trace';

/** The spike types a live spike (REST) can be: a trace needs its file, which only a scenario can name. */
export type LiveSpikeType = Exclude<NetworkSpikeType, 'trace'>;

/** Spikes that act on the system under test itself, through the scenario's `sut` driver (src/sut). */
export type SutSpikeType = 'sut_restart' | 'sut_pause' | 'sut_kill';

/** Spikes that act on the viewers' subscriptions (the probe's side), never on media or the SUT. */
export type ViewerSpikeType = 'layer_switch';

export type SpikeType = NetworkSpikeType | SutSpikeType | ViewerSpikeType;

export const SUT_SPIKE_TYPES: readonly SutSpikeType[] = ['sut_restart', 'sut_pause', 'sut_kill'];

/** Whether a spike acts on the system under test (the runner's SUT timeline) rather than on the participants (the engines). */
export function isSutSpike(type: SpikeType): type is SutSpikeType {
  return type === 'sut_restart' || type === 'sut_pause' || type === 'sut_kill';
}

/**
 * How the system under test is acted on (a scenario's `sut:` section). Commands run through
 * `sh -c` in `cwd`; every action is bounded by `timeoutMs`.
 */
export type SutSpec =
  | {
      driver: 'command';
      restart: string | null;
      stop: string | null;
      start: string | null;
      pause: string | null;
      resume: string | null;
      kill: string | null;
      /** Folder the commands run in (absolute, or relative to the scenario file's folder); null = that folder. */
      cwd: string | null;
      timeoutMs: number;
    }
  | { driver: 'docker'; container: string; stopTimeoutMs: number; timeoutMs: number }
  | { driver: 'k8s'; namespace: string; selector: string; deployment: string | null; kubeconfig: string | null; timeoutMs: number };

/** Spike parameters after ranges were drawn from the seed. Only the fields of the spike's type are set. */
export interface SpikeParams {
  /** rtp_packet_loss: percent of packets lost, 0..100. */
  lossPercent?: number;
  /** rtp_packet_loss: `random` (Bernoulli) or `burst` (Gilbert-Elliott). */
  pattern?: 'random' | 'burst';
  /** rtp_packet_loss burst: mean burst length in packets (Gilbert-Elliott bad-state dwell). */
  meanBurstPackets?: number;
  /** network_jitter: constant added one-way delay, ms. */
  baseLatencyMs?: number;
  /** network_jitter: standard deviation of the gaussian extra delay, ms. */
  jitterStdDevMs?: number;
  /** bitrate_reduce: percent of video bytes removed, 0..100 (derived from new_bitrate_kbps when given). */
  reductionPercent?: number;
  /** bitrate_reduce: ramp from 0 to the full reduction (and back at the end), ms. */
  transitionMs?: number;
  /** frame_drop: percent of video frames skipped by the encoder, 0..100. */
  dropPercent?: number;
  /** bandwidth_limit: token-bucket rate over all of a participant's media, kbit/s. */
  bandwidthKbps?: number;
  /** bandwidth_limit, trace: queue bound, ms of data at the limited rate; beyond it packets are tail-dropped. */
  queueMs?: number;
  /** trace: the trace file as the scenario names it (for reports; the data is `PlannedSpike.trace`). */
  traceFile?: string;
  /** layer_switch: the simulcast layer (its rid) the targeted viewers switch to for the spike. */
  layer?: string;
}

export interface PlannedSpike {
  /** Stable id, `<entryIndex>.<eventIndex>` e.g. `0.3`. */
  id: string;
  /** Index of the scenario `spikes[]` entry this event came from. */
  entry: number;
  type: SpikeType;
  startMs: number;
  endMs: number;
  params: SpikeParams;
  /** Targeted participant ids, ascending (downlink spikes and layer_switch: whose streams on the targeted viewers). */
  participantIds: number[];
  /**
   * `downlink`: the spike acts at the probe on what the viewers in `viewerIds` receive, not on the
   * participants' media. Absent for uplink spikes (every plan from before downlink chaos).
   */
  direction?: 'downlink';
  /** Downlink spikes and layer_switch: the targeted viewers' indices (into `Plan.viewers`; 0 = the probe's one viewer without them), ascending. */
  viewerIds?: number[];
  /** Seed for the stage's own random draws (loss, jitter), derived from the plan seed. */
  seed: number;
  /** How the start was chosen: by `at`, or by the distribution strategy. */
  placedBy: 'at' | 'distribution' | 'live';
  /** trace: the recorded conditions replayed from startMs (read from the trace file when the scenario was loaded). */
  trace?: NetworkTrace;
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface VideoPlan {
  /** Source file as written in the scenario, or null for the shipped default clip. */
  file: string | null;
  fps: number;
  bitrateKbps: number;
  width: number;
  height: number;
  keyframeIntervalFrames: number;
  payloadType: number;
  /** RTX payload type (RFC 4588, apt = payloadType); participants use it when they have an RTX SSRC. */
  rtxPayloadType: number;
  clockRateHz: 90000;
  maxPayloadBytes: number;
  /**
   * Simulcast layers (RFC 8853), highest first, each its own RTP stream; null or absent = one encoding.
   * The first layer's size and rate are `width`, `height` and `bitrateKbps`.
   */
  simulcast?: SimulcastLayerPlan[] | null;
}

/** One simulcast layer: its RID (RFC 8852) and what the clip is converted to for it. */
export interface SimulcastLayerPlan {
  rid: string;
  width: number;
  height: number;
  bitrateKbps: number;
}

/** The participants' RTCP feedback loop (sender reports, NACK/RTX, PLI/FIR answers). */
export interface RtcpPlan {
  nack: boolean;
  /** Video retransmissions as RTX (own SSRC per participant, `media.video.rtxPayloadType`). */
  rtx: boolean;
  pli: boolean;
  /** Mean sender report interval, ms. */
  reportIntervalMs: number;
  /** How far back NACKs are answered, ms. */
  historyMs: number;
}

/** How the probe behaves as a viewer. */
export interface ProbePlan {
  nack: boolean;
  pli: boolean;
  /** The playout model: fixed delay (ms), adaptive (null), or none (false). */
  jitterBuffer: { fixedDelayMs: number | null } | false;
  /** Mean receiver report interval, ms; null = no reports. */
  reportIntervalMs: number | null;
  /** The probe's own SSRC for its RTCP, distinct from every participant's. */
  rtcpSsrc: number;
  /** Worker threads the built-in probe is sharded over (1 = one receiver in the runner's thread); `auto` resolved by participant count. */
  shards: number;
  /** Whether the probe sends REMB with its receiver reports; absent = true (plans from before REMB carry none). */
  remb?: boolean;
}

/** One viewer the probe plays (a scenario's `viewers`): it subscribes to every participant. */
export interface PlannedViewer {
  /** Position in `Plan.viewers`, what spikes' `viewerIds` name. */
  index: number;
  name: string;
  /** The simulcast layer (rid) it subscribes to; null without simulcast. */
  layer: string | null;
}

export interface AudioPlan {
  file: string | null;
  ptimeMs: number;
  bitrateKbps: number;
  payloadType: number;
  clockRateHz: 48000;
}

export interface ExtensionPlan {
  layout: 'rfc8285' | 'legacy';
  participantIdId: number;
  absSendTimeId: number;
  /**
   * RFC 8852 rtp-stream-id (a simulcast layer's RID on its media packets) and
   * repaired-rtp-stream-id (on its RTX packets), RFC 8843 mid (on simulcast packets over WebRTC).
   * Absent or 0: not stamped and not read (plans and callers without simulcast).
   */
  ridId?: number;
  repairedRidId?: number;
  midId?: number;
}

export interface PlannedParticipant {
  id: number;
  partition: number;
  /** Ordinal of this participant inside its partition (0-based). */
  index: number;
  /** UDP source port; 0 means the OS chooses (ephemeral), used by tests and parallel runs. */
  port: number;
  /** SSRCs, or null when this participant does not send the medium. */
  videoSsrc: number | null;
  audioSsrc: number | null;
  /** SSRC of the video RTX stream (RFC 4588), or null without RTX. */
  videoRtxSsrc: number | null;
  /** Start stagger inside the first frame interval, ms. */
  startOffsetMs: number;
  /** Random initial RTP sequence numbers and timestamps (RFC 3550 5.1). */
  videoSeqStart: number;
  audioSeqStart: number;
  videoTsStart: number;
  audioTsStart: number;
  /** Initial RTX sequence number (random, RFC 3550 5.1). */
  videoRtxSeqStart: number;
  /**
   * Simulcast: one stream per `media.video.simulcast` layer, same order; null without simulcast
   * or video (absent in plans from before simulcast). The first layer's SSRC, RTX SSRC and
   * starts are also `videoSsrc`, `videoRtxSsrc`, `videoSeqStart`, `videoTsStart`, `videoRtxSeqStart`.
   */
  videoLayers?: PlannedLayerStream[] | null;
}

/** One simulcast layer's RTP stream of a participant. */
export interface PlannedLayerStream {
  rid: string;
  ssrc: number;
  /** SSRC of the layer's RTX stream, or null without RTX. */
  rtxSsrc: number | null;
  seqStart: number;
  /** The participant's one media clock: every layer of a frame carries the same RTP timestamp. */
  tsStart: number;
  rtxSeqStart: number;
}

export interface Plan {
  planVersion: 1;
  scenario: string;
  description: string;
  seed: number;
  durationMs: number;
  backend: 'local' | 'docker' | 'k8s';
  transport: 'udp' | 'webrtc';
  partitions: number;
  /** Where participants send; null = the built-in probe on loopback, port chosen at launch. */
  target: Endpoint | null;
  /** Where the built-in probe listens; null = same as the target (or ephemeral when the target is null). */
  probeListen: Endpoint | null;
  /** The participants' feedback loop; null = open loop (no RTCP). */
  rtcp: RtcpPlan | null;
  probe: ProbePlan;
  basePort: number;
  media: { video: VideoPlan | null; audio: AudioPlan | null };
  extensions: ExtensionPlan;
  participants: PlannedParticipant[];
  spikes: PlannedSpike[];
  turn: { urls: string[]; secretEnv: string; ttlSeconds: number } | null;
  /** The SFU participants join and the probe subscribes through; null = plain RTP to the target. */
  sfu: SfuSpec | null;
  /** How `sut_*` spikes act on the system under test; absent when the scenario has no `sut:` section. */
  sut?: SutSpec;
  /** The viewers the probe plays; absent without a `viewers:` section (the probe is then one viewer that measures every stream). */
  viewers?: PlannedViewer[];
}

/** Whether a spike acts at the probe on what viewers receive (a downlink spike or a layer_switch), not on the participants' media. */
export function isViewerSide(spike: Pick<PlannedSpike, 'type' | 'direction'>): boolean {
  return spike.direction === 'downlink' || spike.type === 'layer_switch';
}
