import { METRIC_NAMES } from '../result/index.js';
import type { MetricName, MetricSummary, ResultSummary, Scope, Stat, StreamResult } from '../result/types.js';
import { statOf } from './metrics.js';

/** Metrics only video streams are samples of (the viewer's picture, and the feedback browsers send for video). */
export const VIDEO_ONLY_METRICS: ReadonlySet<MetricName> = new Set([
  'frame_rate_fps',
  'nack_count',
  'retransmitted_packets',
  'pli_count',
  'keyframe_response_ms',
  'freeze_count',
  'freeze_ms',
  'decodable_fps',
]);

const STATS: readonly Stat[] = ['avg', 'min', 'max', 'p50', 'p90', 'p95', 'p99'];

/** The StreamResult field holding a scope's metrics. */
export function scopeField(scope: Scope): 'whole' | 'duringSpikes' | 'baseline' {
  return scope === 'whole' ? 'whole' : scope === 'during_spikes' ? 'duringSpikes' : 'baseline';
}

/**
 * The streams that are samples of a metric: loss, jitter, delay, MOS and the viewer's residual
 * loss and round trip take every stream; frame rates, freezes, NACKs, retransmissions, PLIs and
 * keyframe response take the video streams; bitrate takes the video streams (the audio streams
 * when the run has no video). `streams` are the participant streams (mapped to a planned participant).
 */
export function eligibleStreams(streams: readonly StreamResult[], metric: MetricName | 'recovery_seconds'): StreamResult[] {
  if (metric === 'recovery_seconds') return [...streams];
  if (VIDEO_ONLY_METRICS.has(metric)) return streams.filter((s) => s.media === 'video');
  if (metric === 'bitrate_kbps' && streams.some((s) => s.media === 'video')) return streams.filter((s) => s.media === 'video');
  return [...streams];
}

/** A metric's non-null values in a scope, one per eligible participant stream. */
export function metricSamples(streams: readonly StreamResult[], metric: MetricName, scope: Scope, layer: string | null = null): number[] {
  const field = scopeField(scope);
  const out: number[] = [];
  for (const s of eligibleStreams(streams, metric)) {
    // A `layers:` block's assertion samples only the windows in which a stream received that layer.
    const values = layer === null ? s : s.layers?.[layer];
    if (values === undefined) continue;
    const value = values[field][metric];
    if (value !== null) out.push(value);
  }
  return out;
}

/** recovery_seconds samples: one per spike and targeted stream, null when it never recovered within the run. */
export function recoverySamples(streams: readonly StreamResult[]): (number | null)[] {
  return streams.flatMap((s) => s.recoverySeconds);
}

/** Every stat of the samples (rounded to 1/1000), or null when there are none. */
export function summarizeSamples(samples: readonly number[]): MetricSummary | null {
  if (samples.length === 0) return null;
  const stats = Object.fromEntries(STATS.map((stat) => [stat, round(statOf(stat, samples)!)])) as Record<Stat, number>;
  return { samples: samples.length, ...stats };
}

/**
 * The run's summary (see ResultSummary) from its participant streams: the same samples and stats
 * as the assertions take. Called by the verdict, and for reports written before the summary existed.
 */
export function summarizeStreams(streams: readonly StreamResult[]): ResultSummary {
  const scope = (s: Scope): Record<MetricName, MetricSummary | null> =>
    Object.fromEntries(METRIC_NAMES.map((metric) => [metric, summarizeSamples(metricSamples(streams, metric, s))])) as Record<MetricName, MetricSummary | null>;
  const recovery = recoverySamples(streams);
  const recovered = recovery.filter((v): v is number => v !== null);
  return {
    whole: scope('whole'),
    during_spikes: scope('during_spikes'),
    baseline: scope('baseline'),
    recovery_seconds: recovery.length === 0 ? null : { pairs: recovery.length, neverRecovered: recovery.length - recovered.length, recovered: summarizeSamples(recovered) },
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
