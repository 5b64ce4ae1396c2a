/** Recorded network traces: the formats a `trace` spike replays, and exporting one from a run's report. */
export type { NetworkTrace, TimelineTrace, MahimahiTrace } from './types.js';
export { MAHIMAHI_MTU_BYTES, MAX_TRACE_POINTS } from './types.js';
export { parseTrace, readTraceFile, type TraceFormat } from './read-trace.js';
export { parseTimelineCsv, parseTimelineJson, type TraceProblem } from './parse-timeline.js';
export { parseMahimahi, looksLikeMahimahi } from './parse-mahimahi.js';
export { traceFromResult, formatTraceCsv, formatTraceJson, type ExportOptions } from './export-trace.js';
