import type { Comparison } from '../../src/compare/index.js';
import { changeText, headline, regressionLine, value, verdictText } from './compare-text.js';

/**
 * `avcm compare` on the terminal: both runs, then an aligned table with a row per metric and
 * scope (each stat's old value, new value and change side by side, and the row's verdict), the
 * notes, and the regressions named with their thresholds. `quiet` leaves the table out.
 */
export function renderComparison(c: Comparison, options: { quiet?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(`old: ${c.old.report} (${c.old.scenario}, ${c.old.status}, ${c.old.startedAt}, seed ${c.old.seed})`);
  lines.push(`new: ${c.new.report} (${c.new.scenario}, ${c.new.status}, ${c.new.startedAt}, seed ${c.new.seed})`);
  const header = ['scope', 'metric', ...c.stats.flatMap((s) => [`${s} old`, `${s} new`, 'change']), 'verdict'];
  const rows = c.rows.map((r) => [r.scope, r.metric, ...r.stats.flatMap((s) => [value(s.old), value(s.new), changeText(s)]), verdictText(r.verdict)]);
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const numeric = (i: number): boolean => i >= 2 && i < header.length - 1;
  if (!options.quiet) for (const row of table) lines.push(`  ${row.map((cell, i) => (numeric(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd()}`);
  for (const note of c.notes) lines.push(`note: ${note}`);
  lines.push(`${c.regressions.length > 0 ? 'FAILED' : 'PASSED'}: ${headline(c)}`);
  for (const r of c.regressions) lines.push(`  ${regressionLine(r)}`);
  return `${lines.join('\n')}\n`;
}
