export { ProbeReceiver, type ProbeOptions, type LiveSummary, type LiveStreamRow } from './receiver.js';
export { StreamStats, type StreamStatsOptions, CLOCK_RATE_HZ, MAX_DROPOUT, MAX_MISORDER, SEQUENCE_HORIZON } from './stream-stats.js';
export { estimateMos, rFactor, mosFromR, delayImpairment, effectiveEquipmentImpairment, E_MODEL, type MosInput } from './mos.js';
export type * from './types.js';
export { udpKernelCounters } from './kernel-counters.js';
export { PROBE_REPORT_MARKER, probeReportLine, probeReportFromLog } from './report-line.js';
