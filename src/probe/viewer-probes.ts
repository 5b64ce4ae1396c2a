import type { Endpoint } from '../plan/types.js';
import { liveSummary, sortStreamRows, type LiveStreamRow, type LiveSummary } from './live-summary.js';
import { mergeViewerReports } from './merge-viewer-reports.js';
import type { ProbeReceiver } from './receiver.js';
import type { RunningProbe } from './running-probe.js';
import type { ProbeReport } from './types.js';

/** One viewer the probe plays: its name and its own receiver (fed by that viewer's subscriptions). */
export interface ViewerReceiver {
  name: string;
  receiver: ProbeReceiver;
}

/**
 * The probe playing several viewers at once (a scenario's `viewers` behind an SFU): one detached
 * `ProbeReceiver` per viewer, each with its own downlink, feedback (NACK/PLI/RR/REMB on its own
 * subscriptions) and measurements. Live figures add the viewers' parts; the report concatenates
 * their streams, each labelled with its viewer (`mergeViewerReports`).
 */
export class ViewerProbes implements RunningProbe {
  readonly address: Endpoint = { host: '0.0.0.0', port: 0 };
  readonly io = null;
  readonly windowMs: number;

  constructor(private readonly viewers: readonly ViewerReceiver[]) {
    this.windowMs = viewers[0]?.receiver.windowMs ?? 1000;
  }

  start(runStartEpochMs: number): void {
    for (const { receiver } of this.viewers) receiver.start(runStartEpochMs);
  }

  live(): LiveSummary {
    return liveSummary(this.viewers.map(({ receiver }) => receiver.liveParts()));
  }

  liveStreams(): LiveStreamRow[] {
    return sortStreamRows(this.viewers.flatMap(({ receiver }) => receiver.liveStreams()));
  }

  registerRtx(pairs: ReadonlyMap<number, number>): void {
    for (const { receiver } of this.viewers) receiver.registerRtx(pairs);
  }

  report(windowCount?: number): ProbeReport {
    // Every viewer over the same windows: the most any of them touched unless told.
    const count = windowCount ?? Math.max(1, ...this.viewers.map(({ receiver }) => receiver.windowsTouched()));
    return mergeViewerReports(this.viewers.map(({ name, receiver }) => ({ name, report: receiver.report(count) })));
  }

  async close(): Promise<void> {
    for (const { receiver } of this.viewers) await receiver.close();
  }
}
