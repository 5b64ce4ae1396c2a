import { readFileSync } from 'node:fs';
import { looksLikeMahimahi, parseMahimahi } from './parse-mahimahi.js';
import { parseTimelineCsv, parseTimelineJson, type TraceProblem } from './parse-timeline.js';
import type { NetworkTrace } from './types.js';

/** A trace spike's `format`: auto-detected, a timeline (CSV/JSON), or a Mahimahi delivery trace. */
export type TraceFormat = 'auto' | 'timeline' | 'mahimahi';

/** Largest trace file read, bytes. */
const MAX_TRACE_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Parses trace text by format. `auto`: text starting with `{` or `[` is a JSON timeline, text of
 * one whole number per line a Mahimahi trace, anything else a CSV timeline; `timeline` takes JSON
 * or CSV by the same first-character rule.
 */
export function parseTrace(text: string, format: TraceFormat): { trace: NetworkTrace | null; problems: TraceProblem[] } {
  const json = /^\s*[[{]/.test(text);
  if (format === 'mahimahi' || (format === 'auto' && !json && looksLikeMahimahi(text))) return parseMahimahi(text);
  return json ? parseTimelineJson(text) : parseTimelineCsv(text);
}

/**
 * Reads and parses a trace file when a scenario is validated (synchronously: validation is).
 * Problems carry the file's line; an unreadable file is one problem at line 0.
 */
export function readTraceFile(file: string, format: TraceFormat): { trace: NetworkTrace | null; problems: TraceProblem[] } {
  let text: string;
  try {
    const buffer = readFileSync(file);
    if (buffer.length > MAX_TRACE_FILE_BYTES) return { trace: null, problems: [{ line: 0, message: `the file is ${buffer.length} bytes; traces up to ${MAX_TRACE_FILE_BYTES} bytes are read` }] };
    text = buffer.toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { trace: null, problems: [{ line: 0, message: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a trace file' : (error as Error).message }] };
  }
  return parseTrace(text, format);
}
