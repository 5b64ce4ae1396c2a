import { estimateMos } from '../probe/index.js';
import type { StreamReport, ViewerField, WindowStats } from '../probe/index.js';
import type { SenderField, SenderStreamReport } from '../session/index.js';
import type { MetricValues } from '../result/types.js';

/** Sum of a viewer field over the given windows (0 when the column is shorter). */
function viewerSum(stream: StreamReport, field: ViewerField, windows: readonly WindowStats[]): number {
  const column = stream.viewer!.windows[field];
  let sum = 0;
  for (const w of windows) sum += column[w.index] ?? 0;
  return sum;
}

function senderSum(sender: SenderStreamReport, field: SenderField, windows: readonly WindowStats[]): number {
  const column = sender.windows[field];
  let sum = 0;
  for (const w of windows) sum += column?.[w.index] ?? 0;
  return sum;
}

/**
 * A scope's metrics for one stream, from its windows in that scope (whole run, during spikes,
 * baseline). Each value is null when the scope holds nothing to measure it from.
 *
 * Wire figures (the network before any recovery):
 * - packet_loss_percent = 100 * sum(lost) / sum(expected)
 * - jitter_ms = mean of the windows' RFC 3550 jitter (windows that received packets)
 * - delay_ms = received-weighted mean of the windows' mean one-way delay
 * - bitrate_kbps = sum(bytes) * 8 / seconds / 1000, frame_rate_fps = sum(frames) / seconds (video)
 * What the viewer saw (the probe's playout model; null without it):
 * - residual_loss_percent = 100 * sum(missing at playout) / sum(due at playout)
 * - nack_count, retransmitted_packets, pli_count, freeze_count, freeze_ms = sums over the scope
 * - keyframe_response_ms = sum(response times) / count; decodable_fps = sum(frames rendered) / seconds
 * Simulcast (streams that carried layer information):
 * - layer = the frames-weighted mean of the layer received (0 = the lowest)
 * From the sender's reports (null without RTCP):
 * - rtt_ms = sum(round-trip samples) / count
 * Not from windows (the verdict adds them: see recovery-metrics.ts, layer-switches.ts): outage_seconds,
 * reconnect_seconds, layer_switches, layer_switch_ms.
 * And:
 * - mos = the E-model of the viewer's loss (residual loss with the playout model, else wire loss),
 *   the jitter, and the delay (one-way, or half the round trip when none was measured) plus the
 *   measured jitter-buffer delay.
 */
export function scopeMetrics(stream: StreamReport, windows: readonly WindowStats[], windowLengthMs: (index: number) => number, sender: SenderStreamReport | null = null): Omit<MetricValues, 'outage_seconds' | 'reconnect_seconds' | 'layer_switches' | 'layer_switch_ms'> {
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
  const video = stream.media === 'video';

  const viewer = stream.viewer !== null && windows.length > 0;
  const settled = viewer ? viewerSum(stream, 'packetsSettled', windows) : 0;
  const residual = viewer && settled > 0 ? (100 * viewerSum(stream, 'packetsMissingAtPlayout', windows)) / settled : null;
  const responses = viewer ? viewerSum(stream, 'keyframeResponses', windows) : 0;
  const playoutSamples = viewer ? viewerSum(stream, 'playoutDelaySamples', windows) : 0;
  const playoutDelay = playoutSamples > 0 ? viewerSum(stream, 'playoutDelayMsSum', windows) / playoutSamples : null;
  const rttSamples = sender && windows.length > 0 ? senderSum(sender, 'rttSamples', windows) : 0;
  const rtt = rttSamples > 0 ? senderSum(sender!, 'rttMsSum', windows) / rttSamples : null;
  const viewerCount = (field: ViewerField): number | null => (viewer ? viewerSum(stream, field, windows) : null);

  const heardLoss = residual ?? loss;
  const oneWay = delay ?? (rtt !== null ? rtt / 2 : 0);
  return {
    packet_loss_percent: loss,
    jitter_ms: jitter,
    delay_ms: delay,
    bitrate_kbps: seconds > 0 ? (bytes * 8) / seconds / 1000 : null,
    frame_rate_fps: video && seconds > 0 ? frames / seconds : null,
    mos: heardLoss !== null && jitter !== null ? estimateMos({ oneWayDelayMs: oneWay, jitterMs: jitter, lossPercent: heardLoss, playoutDelayMs: playoutDelay }) : null,
    residual_loss_percent: residual,
    rtt_ms: rtt,
    nack_count: viewerCount('nacksSent'),
    retransmitted_packets: viewerCount('retransmittedPackets'),
    pli_count: viewerCount('plisSent'),
    keyframe_response_ms: responses > 0 ? viewerSum(stream, 'keyframeResponseMsSum', windows) / responses : null,
    freeze_count: video ? viewerCount('freezes') : null,
    freeze_ms: video ? viewerCount('freezeMs') : null,
    decodable_fps: video && viewer && seconds > 0 ? viewerSum(stream, 'framesRendered', windows) / seconds : null,
    layer: meanLayer(stream, windows),
  };
}

/** The layer received over the windows, weighted by frames (0 = the lowest); null without layer information or frames. */
function meanLayer(stream: StreamReport, windows: readonly WindowStats[]): number | null {
  const layers = stream.layers;
  if (!layers) return null;
  let weighted = 0;
  let frames = 0;
  for (const w of windows) {
    for (let layer = 0; layer < layers.frames.length; layer++) {
      const n = layers.frames[layer][w.index] ?? 0;
      weighted += layer * n;
      frames += n;
    }
  }
  return frames > 0 ? weighted / frames : null;
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
