import type { HealthThresholds } from '../health/index.js';
import type { SfuSpec, SpikeType, SutSpec } from '../plan/types.js';
import type { MetricName, Op, Scope, SourceLocation, Stat } from '../result/types.js';
import type { BaselineLimit } from './assertion-expression.js';
import type { NetworkTrace } from '../trace/types.js';
import type { UdpUrl } from './units.js';

/** A value fixed in the scenario or drawn per spike event from the seed (min == max when fixed). */
export interface NumberRange {
  min: number;
  max: number;
}

/** A participant selection without weights: what one pool entry of a weighted selection picks. */
export type SimpleTargetSelector =
  | { kind: 'all' }
  | { kind: 'share'; fraction: number }
  | { kind: 'count'; count: number }
  | { kind: 'countRange'; min: number; max: number }
  | { kind: 'ids'; ids: number[] };

/** Which participants a spike event hits; `pool` draws one selection by weight per event. */
export type TargetSelector = SimpleTargetSelector | { kind: 'pool'; options: { weight: number; targets: SimpleTargetSelector }[] };

/** What one spike event does: its type and parameters, units resolved (ms, kbps, percent); ranges are drawn per event. */
export interface SpikeShape {
  type: SpikeType;
  lossPercent?: NumberRange;
  pattern?: 'random' | 'burst';
  meanBurstPackets?: number;
  baseLatencyMs?: NumberRange;
  jitterStdDevMs?: NumberRange;
  reductionPercent?: NumberRange;
  newBitrateKbps?: NumberRange;
  transitionMs?: NumberRange;
  dropPercent?: NumberRange;
  bandwidthKbps?: NumberRange;
  queueMs?: number;
  /** trace: the file as written, its format, and its contents once read (validation reads it). */
  trace?: { file: string; format: 'auto' | 'timeline' | 'mahimahi'; data: NetworkTrace | null };
  /** layer_switch: the rid of the layer the viewers switch to. */
  layer?: string;
}

/** One choice of a spike entry: a shape, its weight, and where it is written (for located problems). */
export interface WeightedShape {
  weight: number;
  shape: SpikeShape;
  /** Path of the shape in the document: `spikes/2`, or `spikes/2/pool/1` for a pool entry. */
  path: (string | number)[];
}

/**
 * One `spikes[]` entry with defaults applied and units resolved. `shapes` holds its one shape,
 * or, for a `pool`, every weighted choice (each event draws one).
 */
export interface SpikeEntry {
  index: number;
  count: number;
  durationMs: NumberRange;
  /** False when `duration` was left out: a trace spike then lasts its trace's length. */
  durationGiven: boolean;
  atMs: number | null;
  targets: TargetSelector;
  /** Where it acts: on the participants' media (`uplink`) or at the probe on what viewers receive (`downlink`). */
  direction: 'uplink' | 'downlink';
  /** Whether `direction` was written (layer_switch and sut_* refuse one). */
  directionGiven: boolean;
  /** Downlink spikes and layer_switch: the viewers by name, or all. */
  viewers: 'all' | string[];
  /** Whether `viewers` was written (uplink spikes refuse one). */
  viewersGiven: boolean;
  shapes: WeightedShape[];
  /** Written as a weighted `pool` (even of one entry). */
  pooled: boolean;
}

export type Strategy = 'even' | 'random' | 'front_loaded' | 'back_loaded' | 'legacy' | 'wave' | 'burst';

export interface Distribution {
  strategy: Strategy;
  minSpacingMs: number;
  jitterPercent: number;
  respectMinOffset: boolean;
  intervalMs: number;
  waves: number;
  burstSize: number;
}

export interface AssertionSpec {
  metric: MetricName | 'recovery_seconds';
  scope: Scope;
  /** Set for an assertion in a `layers:` block: the rid of the simulcast layer it is measured on. */
  layer: string | null;
  /** Set for an assertion in a `viewers:` block: the viewer whose streams alone it is measured on. */
  viewer: string | null;
  expression: string;
  stat: Stat;
  op: Op;
  /** The fixed limit (0 when the limit is relative). */
  threshold: number;
  /** A limit relative to the baseline run (`avg >= baseline - 0.1`); null for a fixed limit. */
  relative: BaselineLimit | null;
  /** Where it is written in the document, as path segments (`assertions`, `mos`, 0). */
  path: (string | number)[];
  /** Its place in the scenario file; set by validation for files, null for inline scenarios. */
  location: SourceLocation | null;
}

/** One simulcast layer with units resolved: what the clip is converted to for it, and its RID. */
export interface SimulcastLayer {
  rid: string;
  width: number;
  height: number;
  bitrateKbps: number;
}

/** A validated scenario with every default applied and every unit resolved. */
export interface Scenario {
  name: string;
  description: string;
  /** null = not given; the compiler derives one from the name. */
  seed: number | null;
  durationMs: number;
  backend: 'local' | 'docker' | 'k8s';
  media: {
    video: {
      file: string | null;
      fps: number;
      bitrateKbps: number;
      width: number;
      height: number;
      keyframeIntervalMs: number;
      maxPayloadBytes: number;
      payloadType: number;
      rtxPayloadType: number;
      /** Simulcast layers, highest first (the first one's size and rate are `width`, `height`, `bitrateKbps`); null = one encoding. */
      simulcast: SimulcastLayer[] | null;
    } | null;
    audio: { file: string | null; ptimeMs: number; bitrateKbps: number; payloadType: number } | null;
  };
  participants: {
    count: number;
    firstId: number;
    transport: 'udp' | 'webrtc';
    videoShare: number;
    audioShare: number;
    basePort: number;
    /** The participants' RTCP feedback loop; null = open loop (no RTCP). */
    rtcp: { nack: boolean; rtx: boolean; pli: boolean; reportIntervalMs: number; historyMs: number } | null;
  };
  target: UdpUrl | null;
  probeListen: UdpUrl | null;
  /** How the probe behaves as a viewer. */
  probe: { nack: boolean; pli: boolean; jitterBuffer: { fixedDelayMs: number | null } | false; reportIntervalMs: number | null; remb: boolean; shards: number | 'auto' };
  /** The viewers the probe plays, each one's layer as written (null: the top one); null = one viewer measuring every stream (no `viewers:` section). */
  viewers: { name: string; layer: string | null }[] | null;
  turn: { urls: string[]; secretEnv: string; ttlSeconds: number } | null;
  /** Join a real SFU through its own signaling (WebRTC); null = plain RTP to the target. */
  sfu: SfuSpec | null;
  /** How `sut_*` spikes act on the system under test; null = no `sut:` section. */
  sut: SutSpec | null;
  extensions: { layout: 'rfc8285' | 'legacy'; participantIdId: number; absSendTimeId: number; ridId: number; repairedRidId: number; midId: number };
  scaling: { partitions: number | 'auto'; participantsPerPartition: number; maxPartitions: number };
  /** When the generator counts as unhealthy in a window (the `health:` section with defaults). */
  health: HealthThresholds;
  spikes: SpikeEntry[];
  distribution: Distribution;
  assertions: AssertionSpec[];
  /** The file it was loaded from, for relative media paths and reports; null for inline (REST) scenarios. */
  file: string | null;
}

/** What a participant's video sends in all, kbit/s: the sum of its simulcast layers, or its one encoding's rate. */
export function videoBitrateKbps(video: NonNullable<Scenario['media']['video']>): number {
  return video.simulcast ? video.simulcast.reduce((sum, layer) => sum + layer.bitrateKbps, 0) : video.bitrateKbps;
}
