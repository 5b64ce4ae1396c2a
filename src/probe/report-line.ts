import type { ProbeReport } from './types.js';

/**
 * How a probe hands its report through a log (pods, containers): one line, this marker, a space,
 * the report as JSON. `avcm receive --json -` writes it; the remote backends read it back.
 */
export const PROBE_REPORT_MARKER = 'AVCM_PROBE_REPORT';

export function probeReportLine(report: ProbeReport): string {
  return `${PROBE_REPORT_MARKER} ${JSON.stringify(report)}\n`;
}

/** The report in a log text (the last marked line wins); null when there is none or it is cut short. */
export function probeReportFromLog(log: string): ProbeReport | null {
  const at = log.lastIndexOf(`${PROBE_REPORT_MARKER} `);
  if (at < 0) return null;
  const end = log.indexOf('\n', at);
  const json = log.slice(at + PROBE_REPORT_MARKER.length + 1, end < 0 ? undefined : end);
  try {
    return JSON.parse(json) as ProbeReport;
  } catch {
    return null;
  }
}
