import type { TraceProblem } from './parse-timeline.js';
import { MAX_TRACE_POINTS, type MahimahiTrace } from './types.js';

const INTEGER_LINE = /^\d+$/;

/** Whether text looks like a Mahimahi trace: every non-empty line a whole number of milliseconds. */
export function looksLikeMahimahi(text: string): boolean {
  let any = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (!INTEGER_LINE.test(line)) return false;
    any = true;
  }
  return any;
}

/**
 * Reads a Mahimahi packet-delivery trace (the format of Mahimahi's link shell, `mm-link`, which
 * Jitsi's load tests also use): one line per delivery opportunity, the millisecond at which one
 * MTU (1500 bytes) can be delivered, non-decreasing; the trace repeats with its last timestamp as
 * the period. Returns the trace or every problem with its line.
 */
export function parseMahimahi(text: string): { trace: MahimahiTrace | null; problems: TraceProblem[] } {
  const problems: TraceProblem[] = [];
  const deliveryMs: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    if (!INTEGER_LINE.test(line)) {
      problems.push({ line: i + 1, message: `expected a whole number of milliseconds, found "${line.slice(0, 40)}"` });
      if (problems.length >= 20) break;
      continue;
    }
    const ms = Number(line);
    if (deliveryMs.length > 0 && ms < deliveryMs[deliveryMs.length - 1]) problems.push({ line: i + 1, message: `${ms} comes before the previous line's ${deliveryMs[deliveryMs.length - 1]} (timestamps must not decrease)` });
    deliveryMs.push(ms);
    if (deliveryMs.length > MAX_TRACE_POINTS) {
      problems.push({ line: i + 1, message: `more than ${MAX_TRACE_POINTS} delivery opportunities; a trace must fit in a plan (shorten it: it repeats)` });
      break;
    }
  }
  if (problems.length > 0) return { trace: null, problems };
  if (deliveryMs.length === 0) return { trace: null, problems: [{ line: 0, message: 'the trace has no delivery opportunities' }] };
  const periodMs = deliveryMs[deliveryMs.length - 1];
  if (periodMs <= 0) return { trace: null, problems: [{ line: 0, message: 'the last timestamp (the period the trace repeats with) must be > 0' }] };
  return { trace: { kind: 'mahimahi', periodMs, deliveryMs }, problems };
}
