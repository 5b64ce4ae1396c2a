/**
 * The run result: the single JSON document every reporter renders (console, JUnit, HTML, JSON).
 * Built by the verdict from the plan and the probe report; it carries measured values only.
 */
import type { EngineHealthWindow, HealthCause, HealthFigure, HealthThresholds, ProbeHealthWindow } from '../health/index.js';
import type { SpikeType, SutSpikeType } from '../plan/types.js';
import type { MediaKind } from '../probe/types.js';

export type MetricName =
  | 'packet_loss_percent'
  | 'jitter_ms'
  | 'mos'
  | 'bitrate_kbps'
  | 'delay_ms'
  | 'frame_rate_fps'
  | 'residual_loss_percent'
  | 'rtt_ms'
  | 'nack_count'
  | 'retransmitted_packets'
  | 'pli_count'
  | 'keyframe_response_ms'
  | 'freeze_count'
  | 'freeze_ms'
  | 'decodable_fps'
  | 'outage_seconds'
  | 'reconnect_seconds'
  | 'layer'
  | 'layer_switches'
  | 'layer_switch_ms';

/** Every metric an assertion can name, in report order (wire figures first, then what the viewer saw). */
export const METRIC_NAMES: readonly MetricName[] = [
  'packet_loss_percent',
  'jitter_ms',
  'mos',
  'bitrate_kbps',
  'delay_ms',
  'frame_rate_fps',
  'residual_loss_percent',
  'rtt_ms',
  'nack_count',
  'retransmitted_packets',
  'pli_count',
  'keyframe_response_ms',
  'freeze_count',
  'freeze_ms',
  'decodable_fps',
  'outage_seconds',
  'reconnect_seconds',
  'layer',
  'layer_switches',
  'layer_switch_ms',
];

export type Scope = 'whole' | 'during_spikes' | 'baseline';
export type Stat = 'avg' | 'min' | 'max' | 'p50' | 'p90' | 'p95' | 'p99';
export type Op = '<' | '<=' | '>' | '>=' | '==';

export interface AssertionResult {
  /** As the user wrote it, e.g. `p95 < 5`. */
  expression: string;
  /** A metric (`packet_loss_percent`, `outage_seconds`, ...), or `recovery_seconds`. */
  metric: MetricName | 'recovery_seconds';
  scope: Scope;
  stat: Stat;
  op: Op;
  /**
   * The limit compared against: the number written, or for a baseline-relative assertion
   * (`avg >= baseline - 0.1`) the limit resolved from the baseline run; null when the baseline run
   * measured nothing to resolve it from.
   */
  threshold: number | null;
  /** Set for a baseline-relative assertion: what the limit was resolved from. */
  baseline: AssertionBaseline | null;
  /** Where the assertion is written in the scenario file; null for inline scenarios. */
  location: SourceLocation | null;
  /**
   * The streams that did worst on this assertion's metric in its scope (worst first, at most 3):
   * highest values for an upper limit (`<`, `<=`), lowest for a lower limit (`>`, `>=`), farthest
   * from the limit for `==`.
   */
  worst: WorstStream[];
  /** The stat across participant streams of the measured metric; null when nothing was measured. */
  measured: number | null;
  /** How many participant-stream samples the stat was taken over. */
  samples: number;
  passed: boolean;
  /**
   * Not judged: a baseline-relative assertion of a run without a baseline under
   * `--baseline-optional` (the first run of a scenario). Never counts as failed. Absent in
   * reports before avcm 0.2.
   */
  skipped?: boolean;
  /**
   * Not judged: the load generator (a partition's engine, or the probe) was unhealthy in windows
   * this assertion depends on (the windows of its scope, for the streams it takes samples from),
   * so what it measured may be avcm's own doing. `passed` is false, `measured` is still what was
   * measured. Absent when judged.
   */
  inconclusive?: InconclusiveReason;
  /**
   * Set for an assertion of a `viewers:` block: the viewer it was judged on alone. Absent
   * otherwise (an assertion over several viewers names its worst viewer in `message`).
   */
  viewer?: string;
  /** Display name, e.g. `packet_loss_percent avg < 2`, `during_spikes mos avg >= 3`, `viewer bob layer l freeze_count max == 0`. */
  name: string;
  /** Why it failed, in words (measured vs limit, or "no samples"). */
  message: string;
}

/** Why an assertion was not judged: where and how the generator was unhealthy in its windows. */
export interface InconclusiveReason {
  /** The unhealthy windows among those it depends on (indices; window i is [i, i + 1) s of the run). */
  windows: number[];
  /** The windows it depends on, in all. */
  windowsInScope: number;
  /** Partitions (engines) unhealthy in those windows, ascending. */
  partitions: number[];
  /** Whether the probe was unhealthy in any of them. */
  probe: boolean;
  /** Which figures exceeded their limits. */
  figures: HealthFigure[];
}

/** A baseline-relative limit and the value it was resolved from. */
export interface AssertionBaseline {
  /** The limit as written, e.g. `baseline * 1.2 + 0.5`. */
  limit: string;
  /** The same stat of the same metric in the same scope of the baseline run (`summary` of its report); null when it measured nothing. */
  value: number | null;
  /** The baseline report's path, as given. */
  report: string;
}

/** A place in a scenario file (1-based). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** One participant stream's value of an assertion's metric in its scope. */
export interface WorstStream {
  participantId: number | null;
  media: MediaKind;
  ssrc: number;
  /** The viewer that received the stream (the scenario's `viewers`); absent when the probe played no named viewers. */
  viewer?: string;
  /** The stream's value (for recovery_seconds: its slowest recovery; null = never recovered). */
  value: number | null;
}

/** Every stat of one metric across the participant streams of one scope. */
export interface MetricSummary {
  /** Streams (for recovery_seconds: recovered spike/stream pairs) the stats are taken over. */
  samples: number;
  avg: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/**
 * Per scope, per metric, every stat an assertion can name, taken across the participant streams
 * exactly as an assertion takes it (null: nothing measured in that scope). A baseline-relative
 * assertion reads its baseline value here in the baseline run's report; `avcm compare` compares
 * two runs' summaries.
 */
export interface ResultSummary {
  whole: Record<MetricName, MetricSummary | null>;
  during_spikes: Record<MetricName, MetricSummary | null>;
  baseline: Record<MetricName, MetricSummary | null>;
  /** Per spike and targeted stream; null when no spike targeted a participant stream. */
  recovery_seconds: RecoverySummary | null;
}

/** recovery_seconds over the spike/stream pairs: the stats over those that recovered within the run. */
export interface RecoverySummary {
  pairs: number;
  neverRecovered: number;
  /** Stats over the recovered pairs; null when none recovered. */
  recovered: MetricSummary | null;
}

/** A scope's metrics for one participant stream. null = not measurable (no packets, no windows in scope). */
export type MetricValues = Record<MetricName, number | null>;

export interface StreamResult {
  participantId: number | null;
  ssrc: number;
  /** Every SSRC the stream arrived under when there were several (an SFU restart renumbers what it forwards); absent otherwise. */
  ssrcs?: number[];
  /** The simulcast layer's RID (RFC 8852) the probe read from the stream's packets; absent for a single encoding. */
  rid?: string;
  /**
   * The viewer (a scenario's `viewers`, by name) that received this copy of the participant's
   * stream: behind an SFU each viewer has its own, so a participant's medium appears once per
   * viewer. Absent when the probe played no named viewers.
   */
  viewer?: string;
  media: MediaKind;
  whole: MetricValues;
  duringSpikes: MetricValues;
  baseline: MetricValues;
  /** Seconds after each spike that hit this participant until it was back to baseline; null if never within the run. */
  recoverySeconds: (number | null)[];
  /**
   * Simulcast: the metrics per layer (by rid), each scope narrowed to its windows in which the
   * stream received mostly that layer (what `layers:` assertion blocks read). Absent for streams
   * without layer information.
   */
  layers?: Record<string, { whole: MetricValues; duringSpikes: MetricValues; baseline: MetricValues }>;
  received: number;
  lost: number;
  /** What the sending participant's session saw of this stream's receiver (an SFU or the probe); null without RTCP. */
  sender: SenderTotals | null;
}

/** A sending stream's feedback figures over the whole run (W3C outbound-rtp names where one exists). */
export interface SenderTotals {
  /** Mean round trip from receiver reports, ms; null when no report echoed an SR. */
  rttMs: number | null;
  nacksReceived: number;
  packetsNacked: number;
  retransmissionsSent: number;
  plisReceived: number;
  firsReceived: number;
  keyframesSent: number;
  /** Mean keyframe response (request to the keyframe leaving), ms; null without requests. */
  keyframeResponseMs: number | null;
}

/** All participants' streams aggregated per window, for the time-series charts. */
export interface TimelinePoint {
  /** Seconds since the run start (window start). */
  t: number;
  packetLossPercent: number | null;
  jitterMs: number | null;
  mos: number | null;
  bitrateKbps: number;
  delayMs: number | null;
  packetsPerSecond: number;
  activeSpikes: number;
  /** What the viewer saw, over all streams: loss at playout, freezes, feedback sent; null without the playout model. */
  residualLossPercent: number | null;
  freezes: number | null;
  nacks: number | null;
  plis: number | null;
  /** Mean round trip the senders measured in the window, ms; null without reports. */
  rttMs: number | null;
  /**
   * The generator's health in the window (absent in reports from before it was measured): the
   * worst partition's pacing lateness p99, the worst process's (engines', probe's) event-loop
   * delay p99 and CPU, the probe's receive lag p99; null where nothing measured it.
   */
  healthLatenessMs?: number | null;
  healthEventLoopDelayMs?: number | null;
  healthCpuPercent?: number | null;
  healthReceiveLagMs?: number | null;
  /** How many parts of the generator (partitions, the probe) were unhealthy in the window; null when none measured itself. */
  healthUnhealthyParts?: number | null;
}

/** A health window as judged: the figures and what exceeded its limit (empty: healthy). */
export type JudgedWindow<T> = T & { causes: HealthCause[] };

/**
 * The load generator's own health over the run, window by window: every figure each engine
 * process and the probe measured of themselves, judged against the scenario's `health:` limits.
 */
export interface RunHealth {
  /** The limits the windows were judged by (ms, percent of a core, counts). */
  thresholds: HealthThresholds;
  /** Each partition's engine, window by window (as far as it reported). */
  engines: { partition: number; windows: JudgedWindow<EngineHealthWindow>[] }[];
  /** The probe, window by window; empty when it did not measure itself (fake time, older remote probes). */
  probe: JudgedWindow<ProbeHealthWindow>[];
  /** Every unhealthy part of a window, in window order: which part and why. */
  unhealthy: { index: number; partition: number | null; part: string; causes: HealthCause[] }[];
  /** Windows measured (0 ... windowCount - 1 of the run) and how many of them had an unhealthy part. */
  windows: number;
  unhealthyWindows: number;
}

export interface SpikeWindow {
  id: string;
  type: SpikeType;
  startMs: number;
  endMs: number;
  participantIds: number[];
  params: Record<string, number | string>;
}

/** Which run a run was compared with. */
export interface BaselineRun {
  /** The report's path as given. */
  report: string;
  scenario: string;
  startedAt: string;
  status: RunStatus;
  avcmVersion: string;
}

/** One action on the system under test (a `sut_*` spike's start or end), run-relative ms. */
export interface SutEventResult {
  spikeId: string;
  type: SutSpikeType;
  driver: 'command' | 'docker' | 'k8s';
  action: 'restart' | 'stop' | 'start' | 'pause' | 'resume' | 'kill';
  phase: 'start' | 'end';
  /** What the driver ran: the command line, or the API call. */
  detail: string;
  startMs: number;
  endMs: number;
  ok: boolean;
  /** A command's exit code; null for API drivers and commands killed by the timeout. */
  exitCode: number | null;
  /** The tail of a command's output (stdout and stderr), or the API's summary. */
  output: string;
  error: string | null;
}

/** A lost WebRTC session and its rejoin, run-relative ms. */
export interface ReconnectResult {
  side: 'participant' | 'probe';
  participantId: number;
  reason: string;
  lostAtMs: number;
  /** null: it never came back (every attempt failed, or the run ended first). */
  rejoinedAtMs: number | null;
  attempts: number;
  error: string | null;
}

/**
 * `inconclusive`: no assertion failed, but some could not be judged because the load generator
 * was unhealthy in windows they depend on (exit 3, E_GENERATOR_OVERLOAD).
 */
export type RunStatus = 'passed' | 'failed' | 'inconclusive' | 'error' | 'aborted';

/**
 * The I/O the run actually used: `batched` (avcm's sendmmsg/GSO/recvmmsg addon), `dgram`
 * (node:dgram, the fallback), `webrtc` (werift's own sockets and SRTP), `webrtc-batched` (werift's
 * ICE and DTLS, the media SRTP-protected on the batched addon). null when nothing reported one.
 */
export interface RunIo {
  /** What the partitions reported; `mixed` when they differed (e.g. pods from different images). */
  engines: 'batched' | 'dgram' | 'webrtc' | 'webrtc-batched' | 'mixed' | null;
  probe: 'batched' | 'dgram' | 'webrtc' | 'webrtc-batched' | null;
  /**
   * WebRTC runs on the batched layer: sessions whose media the native path carried, and those
   * that stayed on werift's path (a TURN relay, ...) with the reasons. Absent otherwise.
   */
  webrtcMedia?: WebRtcMediaSummary;
}

/** Where WebRTC sessions' media ran (see `RunIo.webrtcMedia`). */
export interface WebRtcMediaSummary {
  participantsNative: number;
  participantsWerift: number;
  probeNative: number;
  probeWerift: number;
  /** Probe sessions not connected on the probe's side, or whose SRTP never authenticated: their media was not measured. */
  probeBroken: number;
  reasons: string[];
}

export interface RunResult {
  resultVersion: 1;
  scenario: string;
  description: string;
  file: string | null;
  status: RunStatus;
  /** Set when status is `error`, `aborted` or `inconclusive` (what was overloaded, where, when, and what to do). */
  errorMessage: string | null;
  /** The error code of an `error` run (E_BACKEND, E_NETWORK, E_MEDIA, ...), E_GENERATOR_OVERLOAD for `inconclusive`; null otherwise. */
  errorCode: string | null;
  seed: number;
  backend: string;
  transport: string;
  participants: number;
  partitions: number;
  target: string;
  /** The UDP I/O the engines and the probe used. */
  io: RunIo;
  startedAt: string;
  finishedAt: string;
  plannedDurationMs: number;
  measuredDurationMs: number;
  assertions: AssertionResult[];
  /** Every metric's stats per scope (see ResultSummary). Absent in reports of avcm before 0.2. */
  summary?: ResultSummary;
  /** The baseline run relative assertions were resolved against (`avcm test --baseline`); null without one. */
  baselineRun?: BaselineRun | null;
  spikes: SpikeWindow[];
  timeline: TimelinePoint[];
  streams: StreamResult[];
  totals: {
    packetsSent: number | null;
    /**
     * Sends that failed at the participants' sockets, and of those the ones the target refused
     * (ICMP port unreachable: nothing listened there); the run went on. null when not known.
     */
    sendErrors: number | null;
    sendRefused: number | null;
    packetsReceived: number;
    packetsLost: number;
    bytesReceived: number;
    malformedPackets: number;
    kernelRcvbufErrors: number | null;
    /** Datagrams the kernel dropped at the probe's own socket (full receive buffer); null where unknown (dgram, remote probes of older images). */
    kernelDrops: number | null;
    /**
     * The feedback loop, summed: what the viewer (probe) asked for and got, and what the senders
     * were asked for and did (through an SFU: the SFU's NACKs and PLIs to the publishers).
     */
    feedback: {
      nacksSent: number;
      retransmissionsReceived: number;
      packetsRecovered: number;
      plisSent: number;
      freezes: number;
      freezeMs: number;
      senderNacksReceived: number;
      senderRetransmissionsSent: number;
      senderPlisReceived: number;
      senderFirsReceived: number;
      senderKeyframesSent: number;
    } | null;
  };
  /** Restarts of partitions (pods) during the run, as reported by the backend. */
  restarts: { partition: number; count: number }[];
  /** What the `sut_*` spikes' driver did, in order (absent in results from before SUT chaos). */
  sutEvents?: SutEventResult[];
  /** Lost WebRTC sessions (participants publishing, the probe subscribing) and how they came back (absent in results from before SUT chaos). */
  reconnects?: ReconnectResult[];
  /** The load generator's health, window by window (absent in results from before it was measured). */
  health?: RunHealth;
  avcmVersion: string;
}
