import { METRIC_NAMES } from '../result/index.js';
import type { MetricSummary, RunResult, Scope, Stat } from '../result/types.js';
import { summaryOf } from '../verdict/baseline-value.js';
import { WORSE_WHEN, type ComparedMetric } from '../result/worse-when.js';
import type { Threshold } from './metric-direction.js';

/** What a change means: worse past the threshold, worse within it, better, unchanged, or not comparable. */
export type ChangeVerdict = 'regression' | 'worse' | 'better' | 'same' | 'not measured';

/** One stat of one metric in one scope, in both runs. */
export interface StatChange {
  stat: Stat;
  old: number | null;
  new: number | null;
  /** new − old; null when either is missing. */
  change: number | null;
  /** The change in percent of |old|; null when either is missing or old is 0. */
  changePercent: number | null;
  verdict: ChangeVerdict;
}

/** One metric in one scope: its stats side by side, the worst verdict among them. */
export interface MetricChange {
  scope: Scope;
  metric: ComparedMetric;
  worseWhen: 'higher' | 'lower';
  threshold: Threshold;
  /** Participant streams (recovery_seconds: recovered spike/stream pairs) each run's stats are over. */
  samples: { old: number; new: number };
  stats: StatChange[];
  verdict: ChangeVerdict;
}

/** Two runs compared (`avcm compare OLD NEW`): every metric per scope, and what regressed. */
export interface Comparison {
  old: RunSide;
  new: RunSide;
  stats: Stat[];
  rows: MetricChange[];
  regressions: MetricChange[];
  /** Things to know before trusting the figures: different scenarios, a run that did not complete. */
  notes: string[];
}

/** What the comparison says about each run. */
export interface RunSide {
  report: string;
  scenario: string;
  status: RunResult['status'];
  startedAt: string;
  seed: number;
  participants: number;
  avcmVersion: string;
}

const VERDICT_RANK: Record<ChangeVerdict, number> = { regression: 4, worse: 3, 'not measured': 2, better: 1, same: 0 };

/**
 * Compares two runs' reports: for every metric (recovery_seconds in the whole run) in every scope
 * (whole, during_spikes, baseline), the given stats of the old and the new run (their summaries:
 * the stat across participant streams, as assertions take it), the change, and a verdict. A change
 * in the metric's worse direction (WORSE_WHEN) is a regression when it exceeds every bound of the
 * metric's threshold (relative to |old| and absolute); smaller ones are `worse`. Metrics neither
 * run measured are left out; one measured by only one run is `not measured` (never a regression).
 */
export function compareRuns(oldRun: { report: string; result: RunResult }, newRun: { report: string; result: RunResult }, thresholds: Record<ComparedMetric, Threshold>, stats: readonly Stat[]): Comparison {
  const before = summaryOf(oldRun.result);
  const after = summaryOf(newRun.result);
  const rows: MetricChange[] = [];
  const add = (scope: Scope, metric: ComparedMetric, a: MetricSummary | null, b: MetricSummary | null): void => {
    if (a === null && b === null) return;
    const threshold = thresholds[metric];
    const worseWhen = WORSE_WHEN[metric];
    const changes = stats.map((stat) => statChange(stat, a?.[stat] ?? null, b?.[stat] ?? null, worseWhen, threshold));
    const verdict = changes.reduce<ChangeVerdict>((worst, c) => (VERDICT_RANK[c.verdict] > VERDICT_RANK[worst] ? c.verdict : worst), 'same');
    rows.push({ scope, metric, worseWhen, threshold, samples: { old: a?.samples ?? 0, new: b?.samples ?? 0 }, stats: changes, verdict });
  };
  for (const scope of ['whole', 'during_spikes', 'baseline'] as const) {
    for (const metric of METRIC_NAMES) add(scope, metric, before[scope][metric], after[scope][metric]);
    if (scope === 'whole') add('whole', 'recovery_seconds', before.recovery_seconds?.recovered ?? null, after.recovery_seconds?.recovered ?? null);
  }
  const side = (run: { report: string; result: RunResult }): RunSide => ({
    report: run.report,
    scenario: run.result.scenario,
    status: run.result.status,
    startedAt: run.result.startedAt,
    seed: run.result.seed,
    participants: run.result.participants,
    avcmVersion: run.result.avcmVersion,
  });
  const notes: string[] = [];
  if (oldRun.result.scenario !== newRun.result.scenario) notes.push(`the runs are of different scenarios (${oldRun.result.scenario}, ${newRun.result.scenario})`);
  if (oldRun.result.seed !== newRun.result.seed) notes.push(`the runs used different seeds (${oldRun.result.seed}, ${newRun.result.seed}): their chaos differed`);
  for (const [label, run] of [['old', oldRun], ['new', newRun]] as const) {
    if (run.result.status === 'error' || run.result.status === 'aborted') notes.push(`the ${label} run did not complete (${run.result.status}${run.result.errorMessage ? `: ${run.result.errorMessage}` : ''})`);
  }
  return { old: side(oldRun), new: side(newRun), stats: [...stats], rows, regressions: rows.filter((r) => r.verdict === 'regression'), notes };
}

function statChange(stat: Stat, before: number | null, after: number | null, worseWhen: 'higher' | 'lower', threshold: Threshold): StatChange {
  if (before === null || after === null) return { stat, old: before, new: after, change: null, changePercent: null, verdict: 'not measured' };
  const change = round(after - before);
  const changePercent = before === 0 ? null : round((100 * (after - before)) / Math.abs(before));
  const worseBy = worseWhen === 'higher' ? after - before : before - after;
  let verdict: ChangeVerdict;
  if (Math.abs(after - before) < 1e-9) verdict = 'same';
  else if (worseBy < 0) verdict = 'better';
  else verdict = exceeds(worseBy, before, threshold) ? 'regression' : 'worse';
  return { stat, old: before, new: after, change, changePercent, verdict };
}

/** Whether a worsening exceeds every bound of the threshold (a threshold with no bounds: any worsening). */
function exceeds(worseBy: number, before: number, t: Threshold): boolean {
  if (t.absolute !== null && !(worseBy > t.absolute)) return false;
  if (t.relativePercent !== null && !(worseBy > (t.relativePercent / 100) * Math.abs(before))) return false;
  return true;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
