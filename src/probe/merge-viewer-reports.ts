import { AvcmError } from '../errors/index.js';
import { mergeShardHealth } from './shards/merge-shard-reports.js';
import type { ProbeReport } from './types.js';

/** One viewer's own report: what its receiver measured on its subscriptions. */
export interface ViewerProbeReport {
  /** The viewer's name (the scenario's `viewers`). */
  name: string;
  report: ProbeReport;
}

/**
 * The probe's report from its viewers' reports: each viewer received its own copy of every
 * participant's streams (its own subscriptions through the SFU), so the streams are concatenated,
 * each labelled with its viewer (`StreamReport.viewerName`), never combined: the same participant
 * seen by two viewers is two streams. Counters are summed; the probe's health is the worst
 * viewer's per window (they share one process). The viewers share the run start and were asked for
 * the same window count. Streams keep the viewers' order, then the usual order within a viewer.
 * Pure; throws E_INTERNAL when the windows do not line up.
 */
export function mergeViewerReports(viewers: readonly ViewerProbeReport[]): ProbeReport {
  if (viewers.length === 0) throw new AvcmError('E_INTERNAL', 'a multi-viewer probe had no viewer reports to merge');
  const first = viewers[0].report;
  for (const { name, report } of viewers) {
    if (report.runStartEpochMs !== first.runStartEpochMs || report.windowMs !== first.windowMs || report.windowCount !== first.windowCount) {
      throw new AvcmError('E_INTERNAL', `viewer ${name} measured other windows (start ${report.runStartEpochMs}, ${report.windowCount} x ${report.windowMs} ms) than viewer ${viewers[0].name}`);
    }
  }
  const reports = viewers.map((v) => v.report);
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
  const feedbacks = reports.map((r) => r.feedback ?? null);
  const drops = reports.map((r) => r.kernelDrops ?? null);
  return {
    runStartEpochMs: first.runStartEpochMs,
    windowMs: first.windowMs,
    windowCount: first.windowCount,
    streams: viewers.flatMap(({ name, report }) => report.streams.map((stream) => ({ ...stream, viewerName: name }))),
    malformedPackets: sum(reports.map((r) => r.malformedPackets)),
    foreignPackets: sum(reports.map((r) => r.foreignPackets)),
    // The machine-wide counter: every viewer's probe read the same one.
    kernelRcvbufErrors: first.kernelRcvbufErrors,
    kernelDrops: drops.includes(null) ? null : sum(drops as number[]),
    io: first.io ?? null,
    ...(reports.some((r) => r.health) ? { health: mergeShardHealth(reports.map((r) => r.health ?? [])) } : {}),
    feedback: feedbacks.every((f) => f === null)
      ? null
      : {
          rtcpSent: sum(feedbacks.map((f) => f?.rtcpSent ?? 0)),
          rtcpReceived: sum(feedbacks.map((f) => f?.rtcpReceived ?? 0)),
          rtcpMalformed: sum(feedbacks.map((f) => f?.rtcpMalformed ?? 0)),
          unmatchedRetransmissions: sum(feedbacks.map((f) => f?.unmatchedRetransmissions ?? 0)),
        },
  };
}
