import type { HotPathSummary } from './hot-path.js';
import type { BenchFigures } from './run-bench.js';

const ROWS: [keyof BenchFigures, string][] = [
  ['transport', 'transport'],
  ['io_engines', 'UDP I/O engines'],
  ['io_probe', 'UDP I/O receiver'],
  ['participants', 'participants'],
  ['receiver', 'receiver (probe, or counting sink)'],
  ['simulcast', 'simulcast (3 layers)'],
  ['packets_per_s_per_participant', 'pkt/s per participant'],
  ['partitions', 'partitions'],
  ['target_packets_per_s', 'target pkt/s'],
  ['achieved_packets_per_s', 'achieved pkt/s (at the receiver)'],
  ['achieved_ratio', 'achieved / target'],
  ['target_bits_per_s', 'target bit/s'],
  ['achieved_bits_per_s', 'achieved bit/s'],
  ['loss_percent', 'loss sender->receiver %'],
  ['kernel_rcvbuf_errors', 'kernel RcvbufErrors'],
  ['kernel_sndbuf_errors', 'kernel SndbufErrors'],
  ['kernel_drops', 'kernel drops at receiver socket'],
  ['send_dropped', 'packets dropped at send'],
  ['lateness_p50_ms', 'pacing lateness p50 ms'],
  ['lateness_p99_ms', 'pacing lateness p99 ms'],
  ['lateness_max_ms', 'pacing lateness max ms'],
  ['event_loop_delay_p99_ms', 'event-loop delay p99 ms'],
  ['cpu_seconds_per_1k_packets', 'CPU s per 1k packets'],
  ['participants_per_core', 'participants per core'],
  ['engine_cpu_us_per_packet', 'engine CPU us per packet'],
  ['probe_cpu_us_per_packet', 'receiver CPU us per packet'],
  ['rss_mb_per_participant', 'RSS MB per participant'],
  ['first_packet_ms', 'start -> first packet ms'],
  ['send_errors', 'send errors'],
];

/** A side-by-side table: one column per pass (e.g. paced vs naive). */
export function renderBenchTable(columns: { title: string; figures: BenchFigures }[]): string {
  const labelWidth = Math.max(...ROWS.map(([, label]) => label.length));
  const cell = (value: unknown): string => (value === null || value === undefined ? '-' : typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 4 }) : String(value));
  const widths = columns.map((c) => Math.max(c.title.length, ...ROWS.map(([key]) => cell(c.figures[key]).length)));
  const lines = [`${''.padEnd(labelWidth)}  ${columns.map((c, i) => c.title.padStart(widths[i])).join('  ')}`];
  for (const [key, label] of ROWS) lines.push(`${label.padEnd(labelWidth)}  ${columns.map((c, i) => cell(c.figures[key]).padStart(widths[i])).join('  ')}`);
  return `${lines.join('\n')}\n`;
}

/** The hot-path comparison: CPU per packet of avcm's own code, feedback loop on vs off (medians). */
export function renderHotPathTable(s: HotPathSummary): string {
  const rows: [string, number, number, number][] = [
    ['engine CPU us per packet', s.feedback_on.engine_cpu_us_per_packet, s.feedback_off.engine_cpu_us_per_packet, s.engine_added_percent],
    ['receiver CPU us per packet', s.feedback_on.probe_cpu_us_per_packet, s.feedback_off.probe_cpu_us_per_packet, s.probe_added_percent],
  ];
  const label = Math.max(...rows.map(([l]) => l.length));
  const lines = [`${''.padEnd(label)}  ${'feedback on'.padStart(11)}  ${'off'.padStart(7)}  ${'added'.padStart(8)}`];
  for (const [l, on, off, added] of rows) lines.push(`${l.padEnd(label)}  ${on.toFixed(3).padStart(11)}  ${off.toFixed(3).padStart(7)}  ${`${added >= 0 ? '+' : ''}${added.toFixed(1)} %`.padStart(8)}`);
  return `${lines.join('\n')}\n`;
}
