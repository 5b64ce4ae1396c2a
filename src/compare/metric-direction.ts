import type { ComparedMetric } from '../result/worse-when.js';

/**
 * When a worse value is a regression: the change in the worse direction must exceed every bound
 * set, `relativePercent` of the old value's magnitude and `absolute` (in the metric's unit).
 */
export interface Threshold {
  relativePercent: number | null;
  absolute: number | null;
}

/** The relative part of every default threshold, percent of the old value. */
export const DEFAULT_RELATIVE_PERCENT = 10;

/**
 * The absolute part of the default thresholds: about what run-to-run noise of one scenario on
 * one machine spans, so that an unchanged system does not read as a regression (a loss of 0.2 %
 * against 0.1 % is +100 % but no news). With the 10 % relative bound, a change must exceed both.
 */
export const DEFAULT_ABSOLUTE: Record<ComparedMetric, number> = {
  packet_loss_percent: 0.5,
  jitter_ms: 2,
  mos: 0.1,
  bitrate_kbps: 50,
  delay_ms: 5,
  frame_rate_fps: 1,
  residual_loss_percent: 0.2,
  rtt_ms: 5,
  nack_count: 5,
  retransmitted_packets: 10,
  pli_count: 2,
  keyframe_response_ms: 20,
  freeze_count: 0.5,
  freeze_ms: 100,
  decodable_fps: 1,
  outage_seconds: 0.5,
  reconnect_seconds: 1,
  layer: 0.2,
  layer_switches: 1,
  layer_switch_ms: 200,
  recovery_seconds: 1,
};
