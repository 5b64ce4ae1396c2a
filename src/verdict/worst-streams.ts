import type { MetricName, Op, Scope, StreamResult, WorstStream } from '../result/types.js';
import { eligibleStreams, scopeField } from './summary.js';

/** How many worst streams an assertion result names. */
export const WORST_STREAM_COUNT = 3;

/**
 * The participant streams that did worst on an assertion, worst first (at most `count`): highest
 * values under an upper limit (`<`, `<=`), lowest over a lower limit (`>`, `>=`), farthest from
 * the limit for `==`. recovery_seconds takes each stream's slowest recovery, a never-recovered
 * one (null) first. Streams without a value in the scope are left out. Called by the verdict once
 * per assertion; reporters name them where a gate fails.
 */
export function worstStreams(
  streams: readonly StreamResult[],
  assertion: { metric: MetricName | 'recovery_seconds'; scope: Scope; op: Op },
  limit: number | null,
  count = WORST_STREAM_COUNT,
): WorstStream[] {
  const candidates: WorstStream[] = [];
  const field = scopeField(assertion.scope);
  for (const s of eligibleStreams(streams, assertion.metric)) {
    let value: number | null;
    if (assertion.metric === 'recovery_seconds') {
      if (s.recoverySeconds.length === 0) continue;
      value = s.recoverySeconds.some((v) => v === null) ? null : Math.max(...(s.recoverySeconds as number[]));
    } else {
      value = s[field][assertion.metric];
      if (value === null) continue;
    }
    candidates.push({ participantId: s.participantId, media: s.media, ssrc: s.ssrc, ...(s.viewer !== undefined ? { viewer: s.viewer } : {}), value: value === null ? null : Math.round(value * 1000) / 1000 });
  }
  const badness = (w: WorstStream): number => {
    if (w.value === null) return Infinity; // never recovered
    if (assertion.op === '<' || assertion.op === '<=') return w.value;
    if (assertion.op === '>' || assertion.op === '>=') return -w.value;
    return limit === null ? w.value : Math.abs(w.value - limit);
  };
  return candidates.sort((a, b) => badness(b) - badness(a) || (a.participantId ?? 0) - (b.participantId ?? 0)).slice(0, count);
}

/** `participant 1003 video 7.2, participant 1001 audio at viewer bob 6.9` (null values read "never"). */
export function formatWorstStreams(worst: readonly WorstStream[]): string {
  return worst.map((w) => `participant ${w.participantId ?? '?'} ${w.media}${w.viewer !== undefined ? ` at viewer ${w.viewer}` : ''} ${w.value === null ? 'never' : w.value}`).join(', ');
}
