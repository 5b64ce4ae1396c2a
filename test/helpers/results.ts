import { compile } from '../../src/plan/index.js';
import type { Plan } from '../../src/plan/types.js';
import type { ProbeReport, StreamReport, WindowStats } from '../../src/probe/types.js';
import { scenarioFromText, type Scenario } from '../../src/scenario/index.js';

/** A compiled plan from scenario YAML (defaults filled in). */
export function planOf(yaml: string): { scenario: Scenario; plan: Plan } {
  const scenario = scenarioFromText(`version: 1\nname: t\n${yaml}`, 'inline');
  return { scenario, plan: compile(scenario, { partitions: 1, cores: 1 }) };
}

/** A probe stream with `windows` one-second windows; `lossAt(i)` = share of packets lost in window i. */
export function syntheticStream(participantId: number, media: 'video' | 'audio', ssrc: number, windowCount: number, lossAt: (i: number) => number = () => 0, jitterAt: (i: number) => number = () => 1): StreamReport {
  const perWindow = media === 'video' ? 300 : 50;
  const windows: WindowStats[] = Array.from({ length: windowCount }, (_, i) => {
    const lost = Math.round(perWindow * lossAt(i));
    return { index: i, received: perWindow - lost, expected: perWindow, lost, duplicates: 0, reordered: 0, bytes: (perWindow - lost) * 1000, jitterMs: jitterAt(i), delayMsAvg: 1, delayMsMax: 2, frames: media === 'video' ? 30 : perWindow - lost };
  });
  const sum = (k: keyof WindowStats) => windows.reduce((s, w) => s + (w[k] as number), 0);
  return {
    ssrc,
    participantId,
    media,
    payloadType: media === 'video' ? 96 : 111,
    firstSeenMs: 0,
    lastSeenMs: windowCount * 1000,
    totals: { received: sum('received'), expected: sum('expected'), lost: sum('lost'), duplicates: 0, reordered: 0, bytes: sum('bytes'), jitterMs: 1, frames: sum('frames') },
    windows,
    viewer: null,
  };
}

export function probeReport(streams: StreamReport[], windowCount: number): ProbeReport {
  return { runStartEpochMs: 0, windowMs: 1000, windowCount, streams, malformedPackets: 0, foreignPackets: 0, kernelRcvbufErrors: 0 };
}
