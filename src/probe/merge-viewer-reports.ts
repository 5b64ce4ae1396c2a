import { AvcmError } from '../errors/index.js';
import { mergeProbeTotals } from './merge-probe-totals.js';
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
 * seen by two viewers is two streams. Counters, health and feedback as `mergeProbeTotals`
 * (they share one process). The viewers share the run start and were asked for
 * the same window count. Streams keep the viewers' order, then the usual order within a viewer.
 * Pure; throws E_INTERNAL when the windows do not line up.
 */
export function mergeViewerReports(viewers: readonly ViewerProbeReport[]): ProbeReport {
  if (viewers.length === 0) throw new AvcmError('E_INTERNAL', 'a multi-viewer probe had no viewer reports to merge');
  const reports = viewers.map((v) => v.report);
  return {
    ...mergeProbeTotals(reports, (i) => `viewer ${viewers[i].name}`),
    streams: viewers.flatMap(({ name, report }) => report.streams.map((stream) => ({ ...stream, viewerName: name }))),
    // The machine-wide counter: every viewer's probe read the same one.
    kernelRcvbufErrors: reports[0].kernelRcvbufErrors,
  };
}
