import type { AssertionResult } from '../src/result/types.js';
import { formatWorstStreams } from '../src/verdict/worst-streams.js';

/**
 * An assertion's limit for tables: `< 2`, or for a baseline-relative one the resolved limit and
 * where it came from, `>= 4.2 (baseline 4.3 - 0.1)`; `>= baseline - 0.1 (no baseline value)`
 * when the baseline run measured nothing to resolve it from.
 */
export function limitText(a: AssertionResult): string {
  const baseline = a.baseline ?? null; // reports before 0.2 have no baseline field
  if (!baseline) return `${a.op} ${a.threshold}`;
  if (a.threshold === null || baseline.value === null) return `${a.op} ${baseline.limit} (no baseline value)`;
  return `${a.op} ${a.threshold} (${baseline.limit.replace('baseline', `baseline ${baseline.value}`)})`;
}

/** `worst: participant 1003 video 7.2, ...`, or '' when the assertion names no streams. */
export function worstText(a: AssertionResult): string {
  const worst = a.worst ?? [];
  return worst.length === 0 ? '' : `worst: ${formatWorstStreams(worst)}`;
}
