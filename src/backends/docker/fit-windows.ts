import type { ProbeReport, WindowStats } from '../../probe/types.js';

const ADDED: (keyof WindowStats)[] = ['received', 'expected', 'lost', 'duplicates', 'reordered', 'bytes', 'frames'];

/**
 * A probe container listens a little past the run's end (late packets of delay lines) and so
 * reports more windows than the run has. Keeps the run's `windowCount` windows and adds the
 * counters of later windows into the last one, as the built-in probe does for late arrivals, so
 * the verdict never sees empty windows past the end (they would count as seconds without frames).
 */
export function fitProbeReport(report: ProbeReport, windowCount: number): ProbeReport {
  if (report.windowCount <= windowCount) return report;
  return {
    ...report,
    windowCount,
    streams: report.streams.map((stream) => {
      const windows = stream.windows.slice(0, windowCount).map((w) => ({ ...w }));
      const last = windows[windows.length - 1];
      if (last) {
        for (const late of stream.windows.slice(windowCount)) {
          for (const field of ADDED) (last[field] as number) += late[field] as number;
        }
      }
      // The viewer figures fold the same way: later windows' counts go into the last one.
      const viewer = stream.viewer && {
        totals: stream.viewer.totals,
        windows: Object.fromEntries(
          Object.entries(stream.viewer.windows).map(([field, column]) => {
            const kept = column.slice(0, windowCount);
            for (const late of column.slice(windowCount)) kept[kept.length - 1] += late;
            return [field, kept];
          }),
        ) as typeof stream.viewer.windows,
      };
      return { ...stream, windows, viewer };
    }),
  };
}
