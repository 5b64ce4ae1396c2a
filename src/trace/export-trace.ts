import type { RunResult } from '../result/types.js';
import type { TimelineTrace } from './types.js';

/**
 * RFC 3550 interarrival jitter J of packets whose delays are independent N(d, σ²) is E|Dᵢ − Dⱼ| =
 * 2σ/√π, so the σ a replay draws its delays with is J·√π/2.
 */
const SIGMA_PER_RFC3550_JITTER = Math.sqrt(Math.PI) / 2;

export interface ExportOptions {
  /**
   * Also export a bandwidth column: the run's received rate per participant in each window. The
   * rate a run reached is not the link's capacity (a clip's keyframes burst above it), so a replay
   * capped at it may lose more than the run did; off by default.
   */
  bandwidth?: boolean;
}

/**
 * A run's conditions as a timeline trace, one row per window of its report (1 s): the wire loss %,
 * the mean one-way delay, and the RFC 3550 jitter turned into the σ of the per-packet delay a
 * replay draws (J·√π/2), over all of the run's streams. What a `trace` spike replays to put the
 * next run through the network this one saw.
 */
export function traceFromResult(result: RunResult, options: ExportOptions = {}): TimelineTrace {
  const points = result.timeline;
  const stepMs = points.length > 1 ? Math.round((points[1].t - points[0].t) * 1000) : 1000;
  const round = (v: number | null, digits: number): number | null => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);
  const perParticipant = (kbps: number): number | null => (kbps > 0 && result.participants > 0 ? Math.round((kbps / result.participants) * 10) / 10 : null);
  return {
    kind: 'timeline',
    periodMs: points.length === 0 ? stepMs : Math.round(points[points.length - 1].t * 1000) + stepMs,
    tMs: points.map((p) => Math.round(p.t * 1000)),
    lossPercent: points.map((p) => round(p.packetLossPercent, 3)),
    delayMs: points.map((p) => round(p.delayMs, 2)),
    jitterMs: points.map((p) => round(p.jitterMs === null ? null : p.jitterMs * SIGMA_PER_RFC3550_JITTER, 2)),
    bandwidthKbps: points.map((p) => (options.bandwidth ? perParticipant(p.bitrateKbps) : null)),
  };
}

/** The CSV form `trace` spikes read: a comment, the header, a row per interval, and a last row marking the end. */
export function formatTraceCsv(trace: TimelineTrace, comment: string): string {
  const cell = (v: number | null): string => (v === null ? '' : String(v));
  const lines = [
    ...comment.split('\n').map((l) => `# ${l}`),
    't_ms,loss_percent,delay_ms,jitter_ms,bandwidth_kbps',
    ...trace.tMs.map((t, i) => [t, trace.lossPercent[i], trace.delayMs[i], trace.jitterMs[i], trace.bandwidthKbps[i]].map(cell).join(',')),
    `${trace.periodMs},,,,`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The JSON form: `{ format, version, source, end_ms, samples: [{ t_ms, loss_percent, ... }] }` (nulls left out). */
export function formatTraceJson(trace: TimelineTrace, source: string): string {
  const samples = trace.tMs.map((t, i) => {
    const sample: Record<string, number> = { t_ms: t };
    const put = (key: string, v: number | null): void => {
      if (v !== null) sample[key] = v;
    };
    put('loss_percent', trace.lossPercent[i]);
    put('delay_ms', trace.delayMs[i]);
    put('jitter_ms', trace.jitterMs[i]);
    put('bandwidth_kbps', trace.bandwidthKbps[i]);
    return sample;
  });
  return `${JSON.stringify({ format: 'avcm-network-trace', version: 1, source, end_ms: trace.periodMs, samples }, null, 2)}\n`;
}
