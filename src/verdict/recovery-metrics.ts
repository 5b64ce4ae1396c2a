import type { PlannedSpike } from '../plan/types.js';
import type { StreamReport, WindowStats } from '../probe/index.js';

/**
 * Clock alignment between the runner (SUT actions), engine processes (reconnects) and the probe:
 * a reconnect detected this much before its SUT action's logged start still belongs to it.
 */
const CLOCK_SKEW_MS = 1_000;

/**
 * outage_seconds of one stream over a scope: the longest span without any packet of the stream
 * (its recorded silences, the run start to its first packet, its last packet to the run end) that
 * overlaps a window of the scope, in seconds; spans shorter than `minMs` (packet spacing, a
 * jitter burst) count as 0. An outage that started in a spike and lasted past it is one outage,
 * not clipped to the scope. Null when the scope has no windows.
 */
export function outageSeconds(stream: Pick<StreamReport, 'firstSeenMs' | 'lastSeenMs' | 'silences'>, scope: readonly WindowStats[], windowMs: number, endMs: number, minMs: number): number | null {
  if (scope.length === 0) return null;
  const spans = [...(stream.silences ?? [])];
  if (stream.firstSeenMs > 0) spans.push({ startMs: 0, endMs: stream.firstSeenMs });
  if (endMs > stream.lastSeenMs) spans.push({ startMs: stream.lastSeenMs, endMs });
  let longest = 0;
  for (const span of spans) {
    const length = Math.min(span.endMs, endMs) - Math.max(span.startMs, 0);
    if (length < minMs || length <= longest) continue;
    if (scope.some((w) => span.startMs < (w.index + 1) * windowMs && span.endMs > w.index * windowMs)) longest = length;
  }
  return longest / 1000;
}

/** A `sut_*` spike as it ran: when its first action started and when the SUT was back (its last action ended), run-relative ms. */
export interface SutSpikeOutcome {
  spikeId: string;
  startedAtMs: number;
  backAtMs: number;
}

/** A participant's lost session, run-relative ms (see ReconnectRecord). */
export interface RelativeReconnect {
  participantId: number;
  lostAtMs: number;
  rejoinedAtMs: number | null;
}

/** reconnect_seconds of one participant over a scope; `never` when a rejoin did not succeed. */
export interface ReconnectFigure {
  /** The longest, over the scope's `sut_*` spikes, from the SUT being back to publishing again; null when none ran in the scope (or never). */
  seconds: number | null;
  never: boolean;
}

/**
 * reconnect_seconds of participant `participantId` over the `sut_*` spikes in a scope: for each
 * spike that ran, the participant's sessions lost from its start until the next `sut_*` spike
 * started are looked at: none lost = 0 s (it kept publishing: plain UDP, or a session that
 * outlived a short pause); all back = the last rejoin minus the SUT's back time (never below 0);
 * one never back = `never`. The figure is the longest over the scope's spikes.
 */
export function reconnectSeconds(participantId: number, spikes: readonly PlannedSpike[], outcomes: ReadonlyMap<string, SutSpikeOutcome>, reconnects: readonly RelativeReconnect[]): ReconnectFigure {
  const ran = spikes.map((s) => outcomes.get(s.id)).filter((o): o is SutSpikeOutcome => o !== undefined);
  if (ran.length === 0) return { seconds: null, never: false };
  const starts = [...outcomes.values()].map((o) => o.startedAtMs).sort((a, b) => a - b);
  const mine = reconnects.filter((r) => r.participantId === participantId);
  let longest = 0;
  for (const outcome of ran) {
    const from = outcome.startedAtMs - CLOCK_SKEW_MS;
    const next = starts.find((start) => start > outcome.startedAtMs) ?? Infinity;
    const lost = mine.filter((r) => r.lostAtMs >= from && r.lostAtMs < next - CLOCK_SKEW_MS);
    if (lost.length === 0) continue;
    if (lost.some((r) => r.rejoinedAtMs === null)) return { seconds: null, never: true };
    const rejoined = Math.max(...lost.map((r) => r.rejoinedAtMs!));
    longest = Math.max(longest, rejoined - outcome.backAtMs);
  }
  return { seconds: longest / 1000, never: false };
}
