/**
 * The run result: the single JSON document every reporter renders (console, JUnit, HTML, JSON).
 * Built by the verdict from the plan and the probe report; it carries measured values only.
 */
import type { SpikeType } from '../plan/types.js';
import type { MediaKind } from '../probe/types.js';

export type MetricName =
  | 'packet_loss_percent'
  | 'jitter_ms'
  | 'mos'
  | 'bitrate_kbps'
  | 'delay_ms'
  | 'frame_rate_fps';

export type Scope = 'whole' | 'during_spikes' | 'baseline';
export type Stat = 'avg' | 'min' | 'max' | 'p50' | 'p90' | 'p95' | 'p99';
export type Op = '<' | '<=' | '>' | '>=' | '==';

export interface AssertionResult {
  /** As the user wrote it, e.g. `p95 < 5`. */
  expression: string;
  /** `packet_loss_percent`, or `recovery_seconds`. */
  metric: MetricName | 'recovery_seconds';
  scope: Scope;
  stat: Stat;
  op: Op;
  threshold: number;
  /** The stat across participant streams of the measured metric; null when nothing was measured. */
  measured: number | null;
  /** How many participant-stream samples the stat was taken over. */
  samples: number;
  passed: boolean;
  /** Display name, e.g. `packet_loss_percent avg < 2` or `during_spikes mos avg >= 3`. */
  name: string;
  /** Why it failed, in words (measured vs limit, or "no samples"). */
  message: string;
}

/** A scope's metrics for one participant stream. null = not measurable (no packets, no windows in scope). */
export type MetricValues = Record<MetricName, number | null>;

export interface StreamResult {
  participantId: number | null;
  ssrc: number;
  media: MediaKind;
  whole: MetricValues;
  duringSpikes: MetricValues;
  baseline: MetricValues;
  /** Seconds after each spike that hit this participant until it was back to baseline; null if never within the run. */
  recoverySeconds: (number | null)[];
  received: number;
  lost: number;
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
}

export interface SpikeWindow {
  id: string;
  type: SpikeType;
  startMs: number;
  endMs: number;
  participantIds: number[];
  params: Record<string, number | string>;
}

export type RunStatus = 'passed' | 'failed' | 'error' | 'aborted';

export interface RunResult {
  resultVersion: 1;
  scenario: string;
  description: string;
  file: string | null;
  status: RunStatus;
  /** Set when status is `error` or `aborted`. */
  errorMessage: string | null;
  seed: number;
  backend: string;
  transport: string;
  participants: number;
  partitions: number;
  target: string;
  startedAt: string;
  finishedAt: string;
  plannedDurationMs: number;
  measuredDurationMs: number;
  assertions: AssertionResult[];
  spikes: SpikeWindow[];
  timeline: TimelinePoint[];
  streams: StreamResult[];
  totals: {
    packetsSent: number | null;
    packetsReceived: number;
    packetsLost: number;
    bytesReceived: number;
    malformedPackets: number;
    kernelRcvbufErrors: number | null;
  };
  /** Restarts of partitions (pods) during the run, as reported by the backend. */
  restarts: { partition: number; count: number }[];
  avcmVersion: string;
}
