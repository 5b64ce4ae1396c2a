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
  | 'frame_rate_fps'
  | 'residual_loss_percent'
  | 'rtt_ms'
  | 'nack_count'
  | 'retransmitted_packets'
  | 'pli_count'
  | 'keyframe_response_ms'
  | 'freeze_count'
  | 'freeze_ms'
  | 'decodable_fps';

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
];

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
  /** The simulcast layer's RID (RFC 8852) the probe read from the stream's packets; absent for a single encoding. */
  rid?: string;
  media: MediaKind;
  whole: MetricValues;
  duringSpikes: MetricValues;
  baseline: MetricValues;
  /** Seconds after each spike that hit this participant until it was back to baseline; null if never within the run. */
  recoverySeconds: (number | null)[];
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
  avcmVersion: string;
}
