import type { MetricName } from './types.js';

/** Every assertion metric: the ones measured per stream and recovery_seconds. */
export type ComparedMetric = MetricName | 'recovery_seconds';

/**
 * Which way a metric gets worse. Higher is worse for loss (wire and at playout), jitter, delay,
 * round trip, the feedback the viewer had to send (NACKs, retransmissions, PLIs: each stands for
 * something that went missing), keyframe response, freezes, outages, rejoin and recovery time,
 * layer switches and their time; lower is worse for MOS, bitrate, frame rates (received and
 * decodable) and the layer received.
 */
export const WORSE_WHEN: Record<ComparedMetric, 'higher' | 'lower'> = {
  packet_loss_percent: 'higher',
  jitter_ms: 'higher',
  mos: 'lower',
  bitrate_kbps: 'lower',
  delay_ms: 'higher',
  frame_rate_fps: 'lower',
  residual_loss_percent: 'higher',
  rtt_ms: 'higher',
  nack_count: 'higher',
  retransmitted_packets: 'higher',
  pli_count: 'higher',
  keyframe_response_ms: 'higher',
  freeze_count: 'higher',
  freeze_ms: 'higher',
  decodable_fps: 'lower',
  outage_seconds: 'higher',
  reconnect_seconds: 'higher',
  layer: 'lower',
  layer_switches: 'higher',
  layer_switch_ms: 'higher',
  recovery_seconds: 'higher',
};
