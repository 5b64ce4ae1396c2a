import type { ChangeVerdict, Comparison, MetricChange, StatChange } from '../../src/compare/index.js';
import { formatThreshold } from '../../src/compare/index.js';

/** A value for tables: up to 3 decimals, `–` when not measured. */
export function value(v: number | null): string {
  return v === null ? '–' : String(Math.round(v * 1000) / 1000);
}

/** `+1.2 (+35%)`, `-0.05`, `0`, or `–`. */
export function changeText(c: StatChange): string {
  if (c.change === null) return '–';
  const sign = c.change > 0 ? '+' : '';
  const percent = c.changePercent === null || c.change === 0 ? '' : ` (${c.changePercent > 0 ? '+' : ''}${Math.round(c.changePercent)}%)`;
  return `${sign}${value(c.change)}${percent}`;
}

/** The verdict word of a row. */
export function verdictText(verdict: ChangeVerdict): string {
  return verdict === 'regression' ? 'REGRESSION' : verdict;
}

/** `whole packet_loss_percent: avg 0.1 -> 1.3 (+1.2), worse is higher, threshold > 10 % and > 0.5`. */
export function regressionLine(row: MetricChange): string {
  const stats = row.stats.filter((s) => s.verdict === 'regression').map((s) => `${s.stat} ${value(s.old)} -> ${value(s.new)} (${changeText(s)})`);
  return `${row.scope} ${row.metric}: ${stats.join(', ')}; ${row.worseWhen} is worse, threshold ${formatThreshold(row.threshold)}`;
}

/** The one-line verdict of a comparison. */
export function headline(c: Comparison): string {
  const n = c.regressions.length;
  return n === 0 ? 'no regression past the thresholds' : `${n} regression${n === 1 ? '' : 's'} past the thresholds`;
}
