import type { AssertionResult, RunResult, Scope, StreamResult } from '../result/types.js';
import type { AssertionSpec } from '../scenario/scenario.js';
import { baselineValue, summaryOf } from './baseline-value.js';
import { statOf } from './metrics.js';
import { compare, formatBaselineLimit, resolveBaselineLimit } from './assertion-limits.js';
import { eligibleStreams, metricSamples, recoverySamples, summarizeSamples } from './summary.js';
import { summarizeReason, type GeneratorHealth, type WindowDependency } from './generator-health.js';
import { worstStreams } from './worst-streams.js';
import { WORSE_WHEN } from '../result/worse-when.js';

/** The run a relative assertion compares with: its report as read, and the path it was given as. */
export interface BaselineReference {
  report: string;
  result: RunResult;
}

/**
 * The generator's health for the assertions: its judgement, and which windows each participant
 * stream's samples come from, per scope (its partition, and the run windows of the scope).
 */
export interface AssertionHealth {
  generator: GeneratorHealth;
  dependencyOf(stream: StreamResult, scope: Scope): WindowDependency;
}

/**
 * Evaluates the scenario's assertions over the participant streams (those mapped to a planned
 * participant; unrounded figures). With several viewers each assertion is the worst viewer's (see
 * worstViewer), except one in a `viewers:` block, which is judged on its viewer's streams alone
 * (`soleViewer` names the viewer of streams without a viewer label: the probe's one viewer when
 * the scenario names a single one). Each takes its stat across the streams' values in its scope
 * and compares it with its limit: the number written, or for a relative limit factor × B + offset
 * with B the same stat of the same metric and scope in the baseline run (see baselineValue); a
 * relative limit is compared with the measured value as reports keep it (to 1/1000), the
 * precision B itself was read at.
 * Fails, and says why, when nothing was measured, when a recovery never happened, when a relative
 * limit has no baseline run or the baseline run measured nothing to resolve it from (a viewer
 * block's relative limit: the same stat over that viewer's streams in the baseline run). With
 * `withoutBaseline: 'skip'` (`--baseline-optional`, the first run of a scenario) a relative
 * assertion without a baseline run is measured but not judged: `skipped`. `neverRejoined` lists,
 * per scope, the participants that never published again after a `sut_*` spike: a
 * reconnect_seconds assertion fails naming them.
 * With `health`, an assertion that depends on a window in which the generator was unhealthy (a
 * window of its scope, of a stream it takes samples from: every eligible stream of its metric,
 * the targeted streams' whole run for recovery_seconds) is `inconclusive` whatever it measured;
 * the others are judged as without it.
 */
export function evaluateAssertions(
  specs: readonly AssertionSpec[],
  streams: readonly StreamResult[],
  baseline: BaselineReference | null,
  withoutBaseline: 'fail' | 'skip' = 'fail',
  neverRejoined: Record<Scope, readonly number[]> = { whole: [], during_spikes: [], baseline: [] },
  health: AssertionHealth | null = null,
  soleViewer: string | null = null,
): AssertionResult[] {
  const baselineSummary = baseline ? summaryOf(baseline.result) : null;
  const viewers = viewerGroups(streams);
  const viewerOf = (s: StreamResult): string | null => s.viewer ?? soleViewer;
  // A viewer block's assertion sees only its viewer's streams, in the run and in the baseline run.
  const streamsOf = (a: AssertionSpec): readonly StreamResult[] => (a.viewer === null ? streams : streams.filter((s) => viewerOf(s) === a.viewer));
  const referenceOf = (a: AssertionSpec): BaselineSource | null => {
    if (!baseline || !baselineSummary) return null;
    if (a.viewer === null) return baselineSummary;
    return baseline.result.streams.filter((s) => s.participantId !== null && (s.viewer ?? soleViewer) === a.viewer);
  };
  const judged = specs.map((a) =>
    a.viewer !== null || viewers.length <= 1
      ? judge(a, streamsOf(a), baseline, referenceOf(a), withoutBaseline, neverRejoined)
      : worstViewer(a, viewers, (group) => judge(a, group, baseline, referenceOf(a), withoutBaseline, neverRejoined)),
  );
  if (health === null) return judged;
  return judged.map((result, i) => {
    const a = specs[i];
    if (result.skipped) return result;
    const own = streamsOf(a);
    const sampled = a.metric === 'recovery_seconds' ? own.filter((s) => s.recoverySeconds.length > 0) : eligibleStreams(own, a.metric);
    const scope = a.metric === 'recovery_seconds' ? 'whole' : a.scope;
    const reason = health.generator.unhealthyIn(sampled.map((s) => health.dependencyOf(s, scope)));
    if (reason === null) return result;
    if (result.passed && passDespiteTroubleHolds(a)) {
      return { ...result, message: `${result.message}; passed although the load generator was unhealthy in ${reason.windows.length} of the ${reason.windowsInScope} windows it depends on (${summarizeReason(reason)}): that can only have made ${a.metric} worse` };
    }
    return {
      ...result,
      passed: false,
      inconclusive: reason,
      message: `not judged: the load generator was unhealthy in ${reason.windows.length} of the ${reason.windowsInScope} windows it depends on (${summarizeReason(reason)}); ${result.message}`,
    };
  });
}

/** The streams per viewer that received them (`StreamResult.viewer`), in order of first appearance; one group when the probe played no named viewers. */
function viewerGroups(streams: readonly StreamResult[]): { viewer: string | undefined; streams: StreamResult[] }[] {
  const groups = new Map<string | undefined, StreamResult[]>();
  for (const s of streams) {
    const group = groups.get(s.viewer);
    if (group) group.push(s);
    else groups.set(s.viewer, [s]);
  }
  return [...groups].map(([viewer, members]) => ({ viewer, streams: members }));
}

/**
 * An assertion over several viewers is the worst viewer's: it is judged on each viewer's streams
 * alone, as if that viewer were the only one, and the result of the viewer that did worst stands
 * (a failed one before a passed one; then the measured value on the metric's worse side, see
 * WORSE_WHEN; a viewer without samples of the metric is left out unless no viewer has any, and
 * then the assertion fails as with no samples). A gate on several viewers thus
 * passes only when every viewer passes it, and `avg` is never an average across viewers that would
 * hide one viewer's bad link behind another's clean one. The message names the viewer.
 */
function worstViewer(a: AssertionSpec, viewers: readonly { viewer: string | undefined; streams: StreamResult[] }[], judgeGroup: (streams: readonly StreamResult[]) => AssertionResult): AssertionResult {
  const higherIsWorse = WORSE_WHEN[a.metric] === 'higher';
  const all = viewers.map((v) => ({ viewer: v.viewer ?? '(unnamed)', result: judgeGroup(v.streams) }));
  // A metric some viewers have nothing of (layer_switch_ms of a viewer that never switched, during_spikes of one no spike touched) is judged on the others.
  const measured = all.filter((r) => r.result.samples > 0);
  const results = measured.length > 0 ? measured : all;
  // Worse tier first (skipped < passed < failed < failed with nothing measured), then the value on the metric's worse side.
  const tier = (r: AssertionResult): number => (r.skipped ? 0 : r.passed ? 1 : r.measured === null ? 3 : 2);
  const value = (r: AssertionResult): number => (r.measured === null ? 0 : higherIsWorse ? r.measured : -r.measured);
  const worse = (x: AssertionResult, y: AssertionResult): boolean => tier(x) > tier(y) || (tier(x) === tier(y) && value(x) > value(y));
  let worst = results[0];
  for (const candidate of results.slice(1)) if (worse(candidate.result, worst.result)) worst = candidate;
  const others = all.filter((r) => r !== worst).map((r) => `${r.viewer} ${r.result.samples === 0 ? 'nothing measured' : (r.result.measured ?? 'never')}`);
  return { ...worst.result, message: `viewer ${worst.viewer} (worst of ${all.length} viewers; ${others.join(', ')}): ${worst.result.message}` };
}

/**
 * Whether a met limit stands even though the generator was in trouble: a starved engine or probe
 * only makes figures worse (more loss, jitter, delay, freezes; less MOS, bitrate, frame rate), so
 * a limit on the worse side (`loss < 1`, `mos >= 4`) that was met would have been met by a healthy
 * generator too. A limit on the other side, or `==`, is not judged.
 */
function passDespiteTroubleHolds(a: AssertionSpec): boolean {
  const worse = WORSE_WHEN[a.metric];
  return worse === 'higher' ? a.op === '<' || a.op === '<=' : a.op === '>' || a.op === '>=';
}

/** What a relative limit is resolved from: the baseline run's summary, or for a viewer block that viewer's streams in it. */
type BaselineSource = ReturnType<typeof summaryOf> | readonly StreamResult[];

/** The baseline value of a relative assertion from its source (see baselineValue; over a viewer's streams the stat their samples give). */
function referenceValue(source: BaselineSource, a: AssertionSpec): number | null {
  if (!Array.isArray(source)) return baselineValue(source as ReturnType<typeof summaryOf>, a.metric, a.scope, a.stat);
  if (a.metric === 'recovery_seconds') return null; // never in a viewer block
  const summary = summarizeSamples(metricSamples(source, a.metric, a.scope, a.layer));
  return summary === null ? null : summary[a.stat];
}

function judge(
  a: AssertionSpec,
  streams: readonly StreamResult[],
  baseline: BaselineReference | null,
  baselineSource: BaselineSource | null,
  withoutBaseline: 'fail' | 'skip',
  neverRejoined: Record<Scope, readonly number[]>,
): AssertionResult {
  const limitText = a.relative ? formatBaselineLimit(a.relative) : String(a.threshold);
  const name = `${a.scope === 'whole' ? '' : `${a.scope} `}${a.viewer ? `viewer ${a.viewer} ` : ''}${a.layer ? `layer ${a.layer} ` : ''}${a.metric} ${a.stat} ${a.op} ${limitText}`;
  const reference = a.relative && baseline && baselineSource ? referenceValue(baselineSource, a) : null;
  const threshold = !a.relative ? a.threshold : reference === null ? null : resolveBaselineLimit(a.relative, reference);
  const base = {
    expression: a.expression,
    metric: a.metric,
    scope: a.scope,
    stat: a.stat,
    op: a.op,
    threshold,
    baseline: a.relative ? { limit: limitText, value: reference === null ? null : round(reference), report: baseline?.report ?? '' } : null,
    location: a.location,
    worst: worstStreams(streams, a, threshold),
    ...(a.viewer !== null ? { viewer: a.viewer } : {}),
    name,
  };
  let samples: number[];
  if (a.metric === 'recovery_seconds') {
    const raw = recoverySamples(streams);
    const never = raw.filter((v) => v === null).length;
    if (never > 0) {
      return { ...base, measured: null, samples: raw.length, passed: false, message: `${never} of ${raw.length} spike/stream pairs never recovered to baseline within the run` };
    }
    samples = raw as number[];
  } else if (a.metric === 'reconnect_seconds' && neverRejoined[a.scope].length > 0) {
    const ids = neverRejoined[a.scope];
    return { ...base, measured: null, samples: streams.length, passed: false, message: `participant${ids.length === 1 ? '' : 's'} ${ids.join(', ')} never published again after a sut_* spike (every rejoin attempt failed)` };
  } else {
    samples = metricSamples(streams, a.metric, a.scope, a.layer ?? null);
  }
  const measured = statOf(a.stat, samples);
  if (measured === null) {
    return { ...base, measured: null, samples: 0, passed: false, message: `no samples in scope ${a.scope}: nothing was measured for ${a.metric}` };
  }
  const over = `over ${samples.length} ${a.metric === 'recovery_seconds' ? 'spike/stream pairs' : 'streams'}`;
  if (a.relative && !baseline && withoutBaseline === 'skip') {
    return { ...base, measured: round(measured), samples: samples.length, passed: false, skipped: true, message: `measured ${round(measured)} ${over}; not judged: no baseline run to compare with (--baseline-optional)` };
  }
  if (a.relative && !baseline) {
    return { ...base, measured: round(measured), samples: samples.length, passed: false, message: `measured ${round(measured)} ${over}, but "${limitText}" needs a baseline run (avcm test --baseline REPORT.json)` };
  }
  if (threshold === null) {
    return {
      ...base,
      measured: round(measured),
      samples: samples.length,
      passed: false,
      message: `measured ${round(measured)} ${over}, but the baseline run (${baseline!.report}) measured no ${a.metric} ${a.scope === 'whole' ? '' : `in scope ${a.scope} `}to compare with`,
    };
  }
  const limit = a.relative ? `${a.op} ${threshold} = ${limitText.replace('baseline', `baseline ${round(reference!)}`)}` : `${a.op} ${threshold}`;
  return {
    ...base,
    measured: round(measured),
    samples: samples.length,
    // A relative limit comes from a report, where values are kept to 1/1000: compare what would be
    // reported, so a run held against its own report passes `<= baseline`.
    passed: compare(a.relative ? round(measured) : measured, a.op, threshold),
    message: `measured ${round(measured)} (limit ${limit}) ${over}`,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
