import type { MetricName } from '../result/types.js';

/**
 * The scenario language as users write it (YAML or a TypeScript default export).
 * `schemas/scenario.schema.json` is the source of truth; these types mirror it for TS authors.
 */

/** "90s", "2m", "1h30m", "250ms", or a number of seconds. */
export type Duration = string | number;
/** "2500kbps", "2.5mbps", or a number of kbit/s. */
export type Rate = string | number;
/** A fixed value, or a range drawn per spike event from the seed. */
export type Ranged<T> = T | { min: T; max: T };
/** all | "25%" | 10 (a count) | [1001, 1002] (explicit ids) | { min: 2, max: 5 } (a count drawn per event). */
export type SimpleSpikeTargets = 'all' | `${number}%` | number | number[] | { min: number; max: number };
/** A selection, or a weighted pool of selections (one drawn per event). */
export type SpikeTargets = SimpleSpikeTargets | { pool: { weight: number; participants: SimpleSpikeTargets }[] };
export type AssertionExpression = string;

interface SpikeCommon {
  /** Number of spike events this entry yields (default 1). */
  count?: number;
  /** Length of each event (default 10s); a range is drawn per event. */
  duration?: Duration | { min: Duration; max: Duration };
  /** Explicit start; such an entry is not placed by the distribution. */
  at?: Duration;
  participants?: SpikeTargets;
  /** `uplink` (default): on the participants' media before the SUT; `downlink`: at the probe, on what the targeted viewers receive. */
  direction?: 'uplink' | 'downlink';
  /** downlink spikes and layer_switch: the viewers (names from `viewers`) they act on; default all. */
  viewers?: 'all' | string[];
}

/** A spike type and its parameters (a spike's, or a pool entry's). */
export type SpikeTypeSpec =
  | { type: 'rtp_packet_loss'; loss_percentage: Ranged<number>; pattern?: 'random' | 'burst'; mean_burst_packets?: number }
  | { type: 'network_jitter'; base_latency_ms?: Ranged<number>; jitter_std_dev_ms: Ranged<number> }
  | { type: 'bitrate_reduce'; reduction_percent?: Ranged<number>; new_bitrate_kbps?: Ranged<number>; transition?: Duration | { min: Duration; max: Duration } }
  | { type: 'frame_drop'; drop_percentage: Ranged<number> }
  | { type: 'bandwidth_limit'; bandwidth_kbps: Ranged<number>; queue?: Duration }
  | { type: 'trace'; file: string; format?: 'auto' | 'timeline' | 'mahimahi'; queue?: Duration }
  /** Acts on the system under test through the `sut` driver (restart it, pause it for the duration, kill it). */
  | { type: 'sut_restart' | 'sut_pause' | 'sut_kill' }
  /** Switches the targeted viewers' subscriptions to the simulcast layer `layer` (a rid) for the duration, then back. */
  | { type: 'layer_switch'; layer: string };

/** One spike entry: a type, or a weighted pool of types (each event draws one). */
export type SpikeSpec = SpikeCommon & (SpikeTypeSpec | { pool: (SpikeTypeSpec & { weight: number })[] });

/** How `sut_*` spikes reach the system under test. */
export type SutDocument =
  | {
      driver: 'command';
      restart?: string;
      stop?: string;
      start?: string;
      pause?: string;
      resume?: string;
      kill?: string;
      cwd?: string;
      timeout?: Duration;
    }
  | { driver: 'docker'; container: string; stop_timeout?: Duration; timeout?: Duration }
  | { driver: 'k8s'; namespace?: string; selector: string; deployment?: string; kubeconfig?: string; timeout?: Duration };

/** Metric -> list of "STAT OP LIMIT" expressions. */
export type MetricLists = Partial<Record<MetricName, AssertionExpression[]>>;

/** A viewer's block: metrics over that viewer's streams only, per layer too (no viewers inside). */
export type ViewerAssertions = MetricLists & {
  /** The same metrics per simulcast layer (by rid), over the windows in which a stream received mostly that layer. */
  layers?: Record<string, MetricLists>;
};

export type MetricAssertions = ViewerAssertions & {
  /** The same metrics per viewer (names from `viewers`), over that viewer's streams only. */
  viewers?: Record<string, ViewerAssertions>;
};

/** One viewer the probe plays: its name and the simulcast layer it subscribes to. */
export interface ViewerSpec {
  name: string;
  /** A simulcast layer's rid; default the top layer. */
  layer?: string;
}

/** One simulcast layer as written: its RID and the size and rate the clip is converted to for it. */
export interface SimulcastLayerSpec {
  rid: string;
  width: number;
  height: number;
  bitrate: Rate;
}

export interface ScenarioDocument {
  version: 1;
  name: string;
  description?: string;
  seed?: number;
  duration: Duration;
  backend?: 'local' | 'docker' | 'k8s';
  media?: {
    video?:
      | false
      | {
          file?: string;
          fps?: number;
          bitrate?: Rate;
          width?: number;
          height?: number;
          keyframe_interval?: Duration;
          max_payload_bytes?: number;
          payload_type?: number;
          /** RTX payload type (RFC 4588) for video retransmissions (default 97). */
          rtx_payload_type?: number;
          /** Simulcast layers, highest first (true = the shipped three); default false. */
          simulcast?: boolean | SimulcastLayerSpec[];
        };
    audio?: false | { file?: string; ptime?: '10ms' | '20ms' | '40ms' | '60ms'; bitrate?: Rate; payload_type?: number };
  };
  participants: {
    count: number;
    first_id?: number;
    transport?: 'udp' | 'webrtc';
    video?: boolean | `${number}%`;
    audio?: boolean | `${number}%`;
    /** Source ports base_port + partition*10000 + index; 0 (the default) = ephemeral ports. */
    base_port?: number;
    /** The RTCP feedback loop of each participant's streams (browser-like by default); false = none, true = the defaults. */
    rtcp?: boolean | { nack?: boolean; rtx?: boolean; pli?: boolean; report_interval?: Duration; history?: Duration };
  };
  target?: string;
  probe?: {
    /** udp://HOST:PORT; port 0 = an ephemeral port. */
    listen?: string;
    /** NACK missing video packets until their playout time (default true). */
    nack?: boolean;
    /** PLI when a video frame cannot be decoded (default true). */
    pli?: boolean;
    /** The playout model: adaptive (default), a fixed delay, or false (no viewer metrics). */
    jitter_buffer?: 'adaptive' | false | Duration;
    /** Receiver report interval (default 1s), or false for none. */
    report_interval?: false | Duration;
    /** Worker threads the built-in probe is sharded over (default 1); `auto` decides by participant count. */
    shards?: number | 'auto';
    /** Send REMB with the receiver reports (default true). */
    remb?: boolean;
  };
  /** The viewers the probe plays (default: one viewer measuring every stream). */
  viewers?: ViewerSpec[];
  turn?: { urls: string[]; secret_env?: string; ttl?: Duration };
  sfu?:
    | { kind: 'janus-videoroom'; url: string; room?: number; secret_env?: string }
    | { kind: 'whip'; whip_url: string; whep_url: string; token_env?: string };
  sut?: SutDocument;
  rtp?: { extensions?: { layout?: 'rfc8285' | 'legacy'; participant_id?: number; abs_send_time?: number; rtp_stream_id?: number; repaired_rtp_stream_id?: number; mid?: number } };
  scaling?: { partitions?: number | 'auto'; participants_per_partition?: number; max_partitions?: number };
  /** When avcm's own side counts as overloaded (limits per window), and whether that makes assertions inconclusive. */
  health?: { inconclusive?: boolean; pacing_lateness?: Duration; event_loop_delay?: Duration; cpu_percent?: number; receive_lag?: Duration; send_drops?: number; kernel_drops?: number };
  spikes?: SpikeSpec[];
  distribution?: {
    strategy?: 'even' | 'random' | 'front_loaded' | 'back_loaded' | 'legacy' | 'wave' | 'burst';
    min_spacing?: Duration;
    jitter_percent?: number;
    respect_min_offset?: boolean;
    interval?: Duration;
    waves?: number;
    burst_size?: number;
  };
  assertions?: MetricAssertions & {
    during_spikes?: MetricAssertions;
    baseline?: MetricAssertions;
    recovery_seconds?: AssertionExpression[];
  };
}

/** Where a loaded scenario came from; used to locate problems. */
export interface ScenarioSource {
  file: string;
  format: 'yaml' | 'ts' | 'json';
  /** The raw text (YAML/JSON/TS source) for locating problems. */
  text: string;
  /** The file's absolute path, when it was read from disk (trace files are relative to its folder). */
  absolutePath?: string;
}

/** A located problem in a scenario: `file:line:col /path message`. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  /** JSON pointer into the document, e.g. `/spikes/1/loss_percentage`. */
  path: string;
  message: string;
}
