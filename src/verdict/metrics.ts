import { estimateMos } from '../probe/index.js';
import type { StreamReport, WindowStats } from '../probe/types.js';
import type { MetricValues } from '../result/types.js';

/**
 * A scope's metrics for one stream, from its windows in that scope (whole run, during spikes,
 * baseline). Each value is null when the scope holds nothing to measure it from.
 *
 * - packet_loss_percent = 100 * sum(lost) / sum(expected)
 * - jitter_ms = mean of the windows' RFC 3550 jitter (windows that received packets)
 * - delay_ms = received-weighted mean of the windows' mean one-way delay
 * - bitrate_kbps = sum(bytes) * 8 / seconds / 1000, frame_rate_fps = sum(frames) / seconds (video)
 * - mos = the E-model of those loss, jitter and delay figures
 */
export function scopeMetrics(stream: StreamReport, windows: readonly WindowStats[], windowLengthMs: (index: number) => number): MetricValues {
  let expected = 0;
  let lost = 0;
  let bytes = 0;
  let frames = 0;
  let seconds = 0;
  let jitterSum = 0;
  let jitterWindows = 0;
  let delayWeighted = 0;
  let delayReceived = 0;
  for (const w of windows) {
    expected += w.expected;
    lost += w.lost;
    bytes += w.bytes;
    frames += w.frames;
    seconds += windowLengthMs(w.index) / 1000;
    if (w.received > 0) {
      jitterSum += w.jitterMs;
      jitterWindows++;
      if (w.delayMsAvg !== null) {
        delayWeighted += w.delayMsAvg * w.received;
        delayReceived += w.received;
      }
    }
  }
  const loss = expected > 0 ? (100 * lost) / expected : null;
  const jitter = jitterWindows > 0 ? jitterSum / jitterWindows : null;
  const delay = delayReceived > 0 ? delayWeighted / delayReceived : null;
  return {
    packet_loss_percent: loss,
    jitter_ms: jitter,
    delay_ms: delay,
    bitrate_kbps: seconds > 0 ? (bytes * 8) / seconds / 1000 : null,
    frame_rate_fps: stream.media === 'video' && seconds > 0 ? frames / seconds : null,
    mos: loss !== null && jitter !== null ? estimateMos({ oneWayDelayMs: delay ?? 0, jitterMs: jitter, lossPercent: loss }) : null,
  };
}

/** Linear-interpolation percentile (the "R-7" definition, as numpy's default) of sorted values. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 1) return sorted[0];
  const rank = q * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** avg | min | max | pNN over samples; null when there are none. */
export function statOf(stat: string, samples: readonly number[]): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  switch (stat) {
    case 'avg':
      return sorted.reduce((s, v) => s + v, 0) / sorted.length;
    case 'min':
      return sorted[0];
    case 'max':
      return sorted[sorted.length - 1];
    default:
      return percentile(sorted, Number(stat.slice(1)) / 100);
  }
}
