import { describe, expect, it } from 'vitest';
import type { StreamReport, WindowStats } from '../../../src/probe/types.js';
import type { SutActionRecord } from '../../../src/sut/index.js';
import { buildRunResult } from '../../../src/verdict/index.js';
import { mergeRenumberedStreams } from '../../../src/verdict/merge-streams.js';
import { outageSeconds, reconnectSeconds } from '../../../src/verdict/recovery-metrics.js';
import type { ReconnectRecord } from '../../../src/webrtc/index.js';
import { planOf, probeReport, syntheticStream, withViewer } from '../../helpers/results.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const windowsOf = (indexes: number[]): WindowStats[] => syntheticStream(1, 'audio', 1, 30).windows.filter((w) => indexes.includes(w.index));
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** A stream that arrived from `fromMs` to `toMs` (run-relative) with the given silences; windows outside carry nothing. */
function arrived(participantId: number, media: 'video' | 'audio', ssrc: number, fromMs: number, toMs: number, silences: { startMs: number; endMs: number }[] = [], windowCount = 20): StreamReport {
  const base = syntheticStream(participantId, media, ssrc, windowCount);
  const windows = base.windows.map((w) => {
    const start = w.index * 1000;
    const covered = start + 1000 > fromMs && start < toMs && !silences.some((s) => s.startMs <= start && s.endMs >= start + 1000);
    return covered ? w : { ...w, received: 0, expected: 0, lost: 0, bytes: 0, frames: 0, jitterMs: 0, delayMsAvg: null, delayMsMax: null };
  });
  return { ...base, firstSeenMs: fromMs, lastSeenMs: toMs, windows, silences };
}

describe('outage_seconds: the longest span without packets at the probe', () => {
  const stream = { firstSeenMs: 12, lastSeenMs: 19_990, silences: [{ startMs: 5_000, endMs: 5_150 }, { startMs: 8_200, endMs: 12_700 }] };

  it('is the longest silence that overlaps the scope, unclipped; shorter than the threshold counts as 0', () => {
    expect(outageSeconds(stream, windowsOf(range(0, 20)), 1000, 20_000, 200)).toBe(4.5);
    // The outage began in window 8: a scope of windows 10..11 still sees all of it (one outage, not clipped).
    expect(outageSeconds(stream, windowsOf([10, 11]), 1000, 20_000, 200)).toBe(4.5);
    expect(outageSeconds(stream, windowsOf(range(0, 5)), 1000, 20_000, 200)).toBe(0);
    // 150 ms at 5 s is packet spacing under a 200 ms threshold, an outage under a 100 ms one.
    expect(outageSeconds(stream, windowsOf([5]), 1000, 20_000, 200)).toBe(0);
    expect(outageSeconds(stream, windowsOf([5]), 1000, 20_000, 100)).toBe(0.15);
  });

  it('counts the time before the first packet and after the last one; null for an empty scope', () => {
    const late = { firstSeenMs: 3_000, lastSeenMs: 15_000, silences: [] };
    expect(outageSeconds(late, windowsOf([0, 1]), 1000, 20_000, 200)).toBe(3);
    expect(outageSeconds(late, windowsOf([19]), 1000, 20_000, 200)).toBe(5);
    expect(outageSeconds(late, [], 1000, 20_000, 200)).toBeNull();
  });
});

describe('reconnect_seconds: from the SUT back to the participant publishing again', () => {
  const spike = { id: '0.0', entry: 0, type: 'sut_restart' as const, startMs: 8_000, endMs: 18_000, params: {}, participantIds: [1001, 1002], seed: 1, placedBy: 'at' as const };
  const outcomes = new Map([['0.0', { spikeId: '0.0', startedAtMs: 8_000, backAtMs: 10_000 }]]);

  it('the last rejoin after the spike started minus the SUT back time; 0 when the session was never lost', () => {
    const reconnects = [
      { participantId: 1001, lostAtMs: 8_300, rejoinedAtMs: 11_500 },
      { participantId: 1001, lostAtMs: 11_700, rejoinedAtMs: 12_250 },
      { participantId: 1002, lostAtMs: 2_000, rejoinedAtMs: 2_500 }, // before the spike: not its doing
    ];
    expect(reconnectSeconds(1001, [spike], outcomes, reconnects)).toEqual({ seconds: 2.25, never: false });
    expect(reconnectSeconds(1002, [spike], outcomes, reconnects)).toEqual({ seconds: 0, never: false });
  });

  it('a rejoin that never succeeded is `never`; a rejoin faster than the SUT action is 0, not negative; no spike ran = nothing measured', () => {
    expect(reconnectSeconds(1001, [spike], outcomes, [{ participantId: 1001, lostAtMs: 8_300, rejoinedAtMs: null }])).toEqual({ seconds: null, never: true });
    expect(reconnectSeconds(1001, [spike], outcomes, [{ participantId: 1001, lostAtMs: 8_300, rejoinedAtMs: 9_000 }])).toEqual({ seconds: 0, never: false });
    expect(reconnectSeconds(1001, [spike], new Map(), [])).toEqual({ seconds: null, never: false });
  });

  it('each loss belongs to the last sut_* spike that started before it', () => {
    const second = { ...spike, id: '0.1', startMs: 20_000, endMs: 25_000 };
    const both = new Map([...outcomes, ['0.1', { spikeId: '0.1', startedAtMs: 20_000, backAtMs: 21_000 }]]);
    const reconnects = [
      { participantId: 1001, lostAtMs: 8_300, rejoinedAtMs: 10_500 },
      { participantId: 1001, lostAtMs: 20_200, rejoinedAtMs: 24_000 },
    ];
    expect(reconnectSeconds(1001, [spike], both, reconnects).seconds).toBe(0.5);
    expect(reconnectSeconds(1001, [second], both, reconnects).seconds).toBe(3);
    expect(reconnectSeconds(1001, [spike, second], both, reconnects).seconds).toBe(3);
  });
});

describe('streams an SFU renumbered are one stream per participant and medium', () => {
  it('joins windows (counts add, jitter weighted), viewer columns, SSRCs in arrival order; the gap between them is a silence', () => {
    const before = withViewer(arrived(1001, 'video', 0xaaaa, 10, 8_200), 0);
    const after = withViewer(arrived(1001, 'video', 0xbbbb, 12_700, 19_990), 0);
    const other = arrived(1002, 'video', 0xcccc, 10, 19_990);
    const merged = mergeRenumberedStreams([after, other, before]);
    expect(merged).toHaveLength(2);
    const joined = merged.find((s) => s.participantId === 1001)!;
    expect(joined.ssrcs).toEqual([0xaaaa, 0xbbbb]);
    expect(joined.ssrc).toBe(0xaaaa);
    expect(joined.firstSeenMs).toBe(10);
    expect(joined.lastSeenMs).toBe(19_990);
    expect(joined.silences).toEqual([{ startMs: 8_200, endMs: 12_700 }]);
    expect(joined.totals.received).toBe(before.totals.received + after.totals.received);
    for (const i of [0, 5, 15]) expect(joined.windows[i].received).toBe(before.windows[i].received + after.windows[i].received);
    expect(joined.windows[10].received).toBe(0);
    expect(joined.viewer!.totals.packetsSettled).toBe(before.viewer!.totals.packetsSettled + after.viewer!.totals.packetsSettled);
    expect(merged.find((s) => s.participantId === 1002)!.ssrcs).toEqual([0xcccc]);
  });

  it("a simulcast publisher's layers (one participant, video, different RIDs, at the same time) stay separate; a layer renumbered joins its own RID", () => {
    const layer = (ssrc: number, rid: string, from: number, to: number) => ({ ...arrived(1001, 'video', ssrc, from, to), rid });
    const merged = mergeRenumberedStreams([layer(1, 'h', 10, 8_000), layer(2, 'm', 10, 8_000), layer(3, 'l', 10, 8_000), layer(4, 'h', 9_000, 19_000)]);
    expect(merged.map((s) => [s.rid, s.ssrcs])).toEqual([
      ['h', [1, 4]],
      ['m', [2]],
      ['l', [3]],
    ]);
  });

  it('streams without a participant id are never joined', () => {
    const a = { ...arrived(1, 'audio', 1, 0, 1000), participantId: null };
    const b = { ...arrived(1, 'audio', 2, 0, 1000), participantId: null };
    expect(mergeRenumberedStreams([a, b])).toHaveLength(2);
  });
});

describe('the verdict after an SFU restart', () => {
  const yaml = `duration: 20s
participants: { count: 2, transport: webrtc }
sut: { driver: command, restart: ./restart.sh }
spikes:
  - { type: sut_restart, at: 8s, duration: 6s }
assertions:
  during_spikes:
    outage_seconds: ["max < 5"]
    reconnect_seconds: ["max < 3"]
  baseline:
    packet_loss_percent: ["max < 1"]
  recovery_seconds: ["max <= 1"]
`;
  // The run started at epoch 1_000_000: what the runner and the engines record is in epoch ms.
  const start = 1_000_000;
  const restart: SutActionRecord = { spikeId: '0.0', spikeType: 'sut_restart', driver: 'command', action: 'restart', phase: 'start', detail: './restart.sh', startedAtEpochMs: start + 8_000, endedAtEpochMs: start + 10_000, ok: true, exitCode: 0, output: 'janus ready', error: null };
  const rejoin = (participantId: number, rejoinedAt: number | null, side: 'participant' | 'probe' = 'participant'): ReconnectRecord => ({ side, participantId, reason: 'signaling lost', lostAtEpochMs: start + 8_300, rejoinedAtEpochMs: rejoinedAt === null ? null : start + rejoinedAt, attempts: 3, error: rejoinedAt === null ? 'gave up' : null });

  function run(reconnects: ReconnectRecord[]) {
    const { scenario, plan } = planOf(yaml);
    const streams = plan.participants.flatMap((p, i) =>
      (['video', 'audio'] as const).flatMap((media) => [arrived(p.id, media, 100 + 10 * i + (media === 'video' ? 1 : 2), 10, 8_200), arrived(p.id, media, 200 + 10 * i + (media === 'video' ? 1 : 2), 12_700 + 300 * i, 19_990)]),
    );
    const probe = { ...probeReport(streams, 20), runStartEpochMs: start };
    return buildRunResult({ plan, assertions: scenario.assertions, file: null, probe, target: 'janus', startedAt: NOW, finishedAt: NOW, packetsSent: null, restarts: [], sutActions: [restart], reconnects });
  }

  it('measures the outage from arrivals, the rejoin from the SUT back, and recovery after the spike: all pass', () => {
    const r = run([rejoin(1001, 11_000), rejoin(1002, 11_800), rejoin(1001, 12_500, 'probe')]);
    expect(r.streams).toHaveLength(4);
    expect(r.streams.every((s) => s.ssrcs?.length === 2)).toBe(true);
    expect(r.assertions.map((a) => [a.name, a.measured, a.passed])).toEqual([
      ['during_spikes outage_seconds max < 5', 4.8, true],
      ['during_spikes reconnect_seconds max < 3', 1.8, true],
      ['baseline packet_loss_percent max < 1', 0, true],
      ['recovery_seconds max <= 1', 0, true],
    ]);
    expect(r.status).toBe('passed');
    expect(r.sutEvents).toEqual([{ spikeId: '0.0', type: 'sut_restart', driver: 'command', action: 'restart', phase: 'start', detail: './restart.sh', startMs: 8_000, endMs: 10_000, ok: true, exitCode: 0, output: 'janus ready', error: null }]);
    expect(r.reconnects!.map((c) => [c.side, c.participantId, c.lostAtMs, c.rejoinedAtMs])).toEqual([
      ['participant', 1001, 8_300, 11_000],
      ['probe', 1001, 8_300, 12_500],
      ['participant', 1002, 8_300, 11_800],
    ]);
  });

  it('a participant that never published again fails reconnect_seconds, saying who', () => {
    const r = run([rejoin(1001, 11_000), rejoin(1002, null)]);
    const reconnect = r.assertions.find((a) => a.metric === 'reconnect_seconds')!;
    expect(reconnect.passed).toBe(false);
    expect(reconnect.measured).toBeNull();
    expect(reconnect.message).toBe('participant 1002 never published again after a sut_* spike (every rejoin attempt failed)');
    expect(r.status).toBe('failed');
  });
});
