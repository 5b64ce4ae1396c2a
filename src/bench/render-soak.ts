import type { SoakFigures } from './soak.js';

/**
 * A soak as text: one row per sample (seconds, engines' and probe's RSS, V8 heap in use and
 * committed in MB, event-loop delay p99 in ms, packets), then each figure's slope per minute.
 */
export function renderSoak(soak: SoakFigures): string {
  const header = ['t s', 'engines RSS MB', 'engines heap MB', 'committed', 'probe RSS MB', 'probe heap MB', 'committed', 'loop delay p99 ms', 'sent', 'received'];
  const rows = soak.samples.map((s) =>
    [s.at_s, s.engine_rss_mb, s.engine_heap_mb, s.engine_heap_total_mb, s.probe_rss_mb, s.probe_heap_mb, s.probe_heap_total_mb, s.event_loop_delay_p99_ms, s.packets_sent, s.packets_received].map((v) => (v === null ? '-' : String(v))),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  const slope = soak.slope_per_min;
  const per = (v: number | null, unit: string): string => (v === null ? '-' : `${v >= 0 ? '+' : ''}${v} ${unit}/min`);
  return [
    '',
    `soak: ${soak.participants} participants, ${soak.partitions} partitions, ${soak.duration_s}s, a sample every ${soak.interval_s}s`,
    line(header),
    ...rows.map(line),
    `slope (least squares${soak.samples.length >= 3 ? ', after the first sample' : ''}): engines RSS ${per(slope.engine_rss_mb, 'MB')} (outside the V8 heap ${per(slope.engine_rss_outside_v8_heap_mb, 'MB')}), heap ${per(slope.engine_heap_mb, 'MB')} | probe RSS ${per(slope.probe_rss_mb, 'MB')} (outside the V8 heap ${per(slope.probe_rss_outside_v8_heap_mb, 'MB')}), heap ${per(slope.probe_heap_mb, 'MB')} | event-loop delay p99 ${per(slope.event_loop_delay_p99_ms, 'ms')}`,
    '',
  ].join('\n');
}
