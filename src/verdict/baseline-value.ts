import type { MetricName, ResultSummary, RunResult, Scope, Stat } from '../result/types.js';
import { summarizeStreams } from './summary.js';

/**
 * The baseline value of a relative assertion: the same stat of the same metric in the same scope,
 * as the baseline run's report summarizes it (`summary[scope][metric][stat]`: that stat across
 * that run's participant streams, the number an absolute assertion would have measured there).
 * recovery_seconds reads the stat over the pairs that recovered. null when the baseline run
 * measured nothing there.
 */
export function baselineValue(summary: ResultSummary, metric: MetricName | 'recovery_seconds', scope: Scope, stat: Stat): number | null {
  if (metric === 'recovery_seconds') return summary.recovery_seconds?.recovered?.[stat] ?? null;
  return summary[scope][metric]?.[stat] ?? null;
}

/**
 * A report's summary: as written, or, for reports written before avcm recorded one, recomputed
 * from its streams (those attributed to a participant) the way the verdict computes it.
 */
export function summaryOf(result: RunResult): ResultSummary {
  return result.summary ?? summarizeStreams(result.streams.filter((s) => s.participantId !== null));
}
