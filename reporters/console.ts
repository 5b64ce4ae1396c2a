import type { RunResult } from '../src/result/types.js';
import type { RunProgress } from '../src/runner/types.js';

function fmt(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}

function mean(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length ? v.reduce((s, x) => s + x, 0) / v.length : null;
}

/**
 * One progress line, refreshed about once a second: elapsed/duration, participants, pkt/s, active
 * spikes, and loss/jitter/MOS of the last complete probe window. On a TTY it is meant to overwrite
 * itself (no newline added); otherwise it is prefixed `progress` for line-oriented logs.
 */
export function renderProgress(p: RunProgress, tty: boolean): string {
  const m = p.measured;
  const parts = [
    `${(p.elapsedMs / 1000).toFixed(0).padStart(4)}s/${(p.durationMs / 1000).toFixed(0)}s`,
    `${p.participants} participants`,
    `${p.packetsPerSecond.toLocaleString('en-US')} pkt/s`,
    `spikes: ${p.activeSpikes.length ? p.activeSpikes.join(',') : 'none'}`,
    m ? `loss ${fmt(m.lossPercent)}%  jitter ${fmt(m.jitterMs)} ms  MOS ${fmt(m.mos)}` : 'waiting for packets',
  ];
  if (p.sendErrors > 0) parts.push(`${p.sendErrors} send errors`);
  return tty ? parts.join('  |  ') : `progress ${parts.join(', ')}`;
}

/** Pads each column to its widest cell; numeric-looking columns are right-aligned. */
function alignRows(rows: string[][], rightAligned: readonly boolean[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (rightAligned[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

/**
 * The end-of-run summary, printed once: the verdict line, an aligned table of the assertions
 * (mark, name, measured, limit, samples, why it failed), then stream counts, packets, mean loss,
 * jitter and MOS. `tty` picks the marks: ✓/✗ on a terminal, PASS/FAIL otherwise (logs, CI).
 */
export function renderSummary(r: RunResult, options: { tty?: boolean } = {}): string {
  const pass = options.tty ? '✓' : 'PASS';
  const fail = options.tty ? '✗' : 'FAIL';
  const lines: string[] = [];
  const verdict = { passed: 'PASSED', failed: 'FAILED', error: 'ERROR', aborted: 'ABORTED' }[r.status];
  lines.push('');
  lines.push(`${r.scenario}: ${verdict}  (${r.participants} participants, ${r.partitions} partitions, ${(r.measuredDurationMs / 1000).toFixed(0)}s, seed ${r.seed}, ${r.backend}/${r.transport} -> ${r.target})`);
  if (r.errorMessage) lines.push(`  ${r.errorMessage}`);
  if (r.assertions.length > 0) {
    const rows = [
      ['', 'assertion', 'measured', 'limit', 'samples', ''],
      ...r.assertions.map((a) => [
        a.passed ? pass : fail,
        a.name,
        a.measured === null ? '-' : String(a.measured),
        `${a.op} ${a.threshold}`,
        String(a.samples),
        a.passed ? '' : a.message,
      ]),
    ];
    for (const line of alignRows(rows, [false, false, true, false, true, false])) lines.push(`  ${line}`);
  }
  const video = r.streams.filter((s) => s.media === 'video');
  const audio = r.streams.filter((s) => s.media === 'audio');
  lines.push(
    `  streams: ${video.length} video, ${audio.length} audio | packets: ${r.totals.packetsSent ?? '-'} sent, ${r.totals.packetsReceived} received, ${r.totals.packetsLost} lost` +
      ` | mean loss ${fmt(mean(r.streams.map((s) => s.whole.packet_loss_percent)))}%, jitter ${fmt(mean(r.streams.map((s) => s.whole.jitter_ms)))} ms, MOS ${fmt(mean(r.streams.map((s) => s.whole.mos)))}` +
      (video.length ? `, video ${fmt(mean(video.map((s) => s.whole.bitrate_kbps)), 0)} kbps @ ${fmt(mean(video.map((s) => s.whole.frame_rate_fps)), 1)} fps` : ''),
  );
  if (r.totals.malformedPackets > 0) lines.push(`  ${r.totals.malformedPackets} malformed packets arrived at the probe`);
  return `${lines.join('\n')}\n`;
}
