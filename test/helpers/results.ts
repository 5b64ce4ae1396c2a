import { compile } from '../../src/plan/index.js';
import type { Plan } from '../../src/plan/types.js';
import { VIEWER_FIELDS, type ViewerField } from '../../src/probe/index.js';
import type { ProbeReport, StreamReport, WindowStats } from '../../src/probe/types.js';
import { scenarioFromText, type Scenario } from '../../src/scenario/index.js';
import { SENDER_FIELDS, type SenderField, type SenderStreamReport } from '../../src/session/index.js';

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

/**
 * The stream with the probe's viewer figures for its lost packets: video NACKs them and recovers
 * all but `residualShare` of them (audio relies on concealment: every lost packet stays missing);
 * `freezeAt` windows hold one 400 ms freeze and a PLI each.
 */
export function withViewer(stream: StreamReport, residualShare = 0.1, freezeAt: readonly number[] = []): StreamReport {
  const video = stream.media === 'video';
  const columns = Object.fromEntries(Object.keys(VIEWER_FIELDS).map((k) => [k, stream.windows.map(() => 0)])) as Record<ViewerField, number[]>;
  for (const [i, w] of stream.windows.entries()) {
    const missing = video ? Math.round(w.lost * residualShare) : w.lost;
    const recovered = w.lost - missing;
    columns.packetsSettled[i] = w.expected;
    columns.packetsMissingAtPlayout[i] = missing;
    columns.packetsRecovered[i] = recovered;
    columns.retransmittedPackets[i] = recovered;
    columns.nacksSent[i] = video ? Math.ceil(w.lost / 2) : 0;
    columns.packetsNacked[i] = video ? w.lost : 0;
    columns.playoutDelayMsSum[i] = 40 * (w.received || 1);
    columns.playoutDelaySamples[i] = w.received || 1;
    if (!video) continue;
    const freeze = freezeAt.includes(i);
    columns.framesRendered[i] = freeze ? 18 : 30;
    columns.framesDropped[i] = freeze ? 12 : 0;
    columns.freezes[i] = freeze ? 1 : 0;
    columns.freezeMs[i] = freeze ? 400 : 0;
    columns.plisSent[i] = freeze ? 1 : 0;
    columns.keyframesReceived[i] = freeze ? 1 : 0;
    columns.keyframeResponses[i] = freeze ? 1 : 0;
    columns.keyframeResponseMsSum[i] = freeze ? 35 : 0;
  }
  const totals = Object.fromEntries(Object.entries(columns).map(([k, c]) => [k, c.reduce((s, v) => s + v, 0)])) as Record<ViewerField, number>;
  return { ...stream, viewer: { totals, windows: columns } };
}

/** What the stream's sender measured and was asked for, matching `withViewer`'s viewer (round trip `rttMs` per window). */
export function senderOf(stream: StreamReport, rttMs: (i: number) => number = () => 24): SenderStreamReport {
  const viewer = stream.viewer;
  const columns = Object.fromEntries(Object.keys(SENDER_FIELDS).map((k) => [k, stream.windows.map(() => 0)])) as Record<SenderField, number[]>;
  for (const [i] of stream.windows.entries()) {
    columns.rttMsSum[i] = rttMs(i);
    columns.rttSamples[i] = 1;
    columns.rttMsMax[i] = rttMs(i);
    columns.reportsSent[i] = 1;
    columns.reportBlocksReceived[i] = 1;
    if (!viewer) continue;
    columns.nacksReceived[i] = viewer.windows.nacksSent[i];
    columns.packetsNacked[i] = viewer.windows.packetsNacked[i];
    columns.retransmissionsSent[i] = viewer.windows.packetsNacked[i];
    columns.plisReceived[i] = viewer.windows.plisSent[i];
    columns.keyframesSent[i] = viewer.windows.plisSent[i];
    columns.keyframeResponseMsSum[i] = viewer.windows.plisSent[i] * 5;
  }
  const totals = Object.fromEntries(Object.entries(columns).map(([k, c]) => [k, k === 'rttMsMax' ? Math.max(...c) : c.reduce((s, v) => s + v, 0)])) as Record<SenderField, number>;
  return { participantId: stream.participantId!, media: stream.media, ssrc: stream.ssrc, rtxSsrc: null, totals, windows: columns };
}
