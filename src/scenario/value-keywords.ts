/**
 * The schema's own keywords for what a JSON Schema pattern cannot say about a value: the range of
 * a duration or a bit rate, whether an address is a real host and port, whether an assertion's
 * threshold is one its metric can take. They live in schemas/scenario.schema.json next to the
 * field they check (so the reference documents them) and run inside ajv with every other rule,
 * so their problems are located and reported at once with the rest.
 *
 * Each keyword leaves a value of the wrong shape alone: the field's `pattern`/`type` reports it.
 */
import { checkUdpUrl, httpUrlProblem, turnUrlProblem } from './endpoints.js';
import { formatDuration, parseDurationMs, rateToKbps } from './units.js';

/** A problem a keyword found: its message, and its own path when it is below the checked value. */
export interface ValueProblem {
  message: string;
  /** JSON pointer; unset = the checked value itself. */
  instancePath?: string;
}

/** A keyword: checks `data` against the keyword's value in the schema, and returns what is wrong. */
export interface ValueKeyword {
  keyword: 'x-duration' | 'x-rate' | 'x-threshold' | 'x-endpoint';
  /** JSON type of the keyword's value in the schema. */
  schemaType: 'object' | 'string';
  check(schemaValue: never, data: unknown, instancePath: string): ValueProblem[];
}

/** `x-duration: { min: "100ms", max: "60s" }` (either bound optional). */
export interface DurationBounds {
  min?: string;
  max?: string;
}

/** `x-rate: { min: "6kbps", max: "510kbps" }`. */
export interface RateBounds {
  min: string;
  max: string;
}

/** `x-threshold: { min: 0, max: 100, of: "a percentage" }` on an assertion expression. */
export interface ThresholdBounds {
  min?: number;
  max?: number;
  of: string;
}

/** `x-endpoint`: what kind of address a string must be. */
export type EndpointKind = 'udp-target' | 'udp-listen' | 'http-url' | 'turn-url';

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Duration fields hold one duration or, for a spike's length, `{ min, max }`: every one is checked. */
function durationsIn(data: unknown, path: string): { value: unknown; path: string }[] {
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const range = data as Record<string, unknown>;
    return ['min', 'max'].filter((key) => key in range).map((key) => ({ value: range[key], path: `${path}/${key}` }));
  }
  return [{ value: data, path }];
}

function rangeText(min: string | undefined, max: string | undefined): string {
  if (min !== undefined && max !== undefined) return `${min}..${max}`;
  return min !== undefined ? `at least ${min}` : `at most ${max}`;
}

function durationRange(bounds: DurationBounds, data: unknown, instancePath: string): ValueProblem[] {
  const problems: ValueProblem[] = [];
  const minMs = bounds.min === undefined ? null : parseDurationMs(bounds.min);
  const maxMs = bounds.max === undefined ? null : parseDurationMs(bounds.max);
  for (const { value, path } of durationsIn(data, instancePath)) {
    // Numbers are seconds and strings end in a unit; both are rounded to whole milliseconds when used.
    const ms = typeof value === 'number' || typeof value === 'string' ? parseDurationMs(value) : null;
    if (ms === null) continue;
    if ((minMs !== null && ms < minMs) || (maxMs !== null && ms > maxMs)) {
      const rounded = typeof value === 'number' || String(value).trim() !== formatDuration(ms) ? ` (${formatDuration(ms)})` : '';
      problems.push({ instancePath: path, message: `expected a duration ${rangeText(bounds.min, bounds.max)}, found ${show(value)}${rounded}` });
    }
  }
  return problems;
}

function rateRange(bounds: RateBounds, data: unknown): ValueProblem[] {
  const kbps = rateToKbps(data);
  if (kbps === null || (kbps >= rateToKbps(bounds.min)! && kbps <= rateToKbps(bounds.max)!)) return [];
  return [{ message: `expected a bit rate ${bounds.min}..${bounds.max}, found ${show(data)}` }];
}

/** A plain number limit right after the operator; a baseline-relative limit (`baseline - 0.1`) is left alone. */
const THRESHOLD = /(?:<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

function thresholdRange(bounds: ThresholdBounds, data: unknown): ValueProblem[] {
  const match = typeof data === 'string' ? THRESHOLD.exec(data) : null;
  if (!match) return [];
  const value = Number(match[1]);
  if ((bounds.min === undefined || value >= bounds.min) && (bounds.max === undefined || value <= bounds.max)) return [];
  const range = bounds.max === undefined ? `${bounds.min} or more` : bounds.min === undefined ? `${bounds.max} or less` : `${bounds.min}..${bounds.max}`;
  return [{ message: `the threshold ${match[1]} is outside what the metric can measure (${bounds.of}: ${range}), found ${show(data)}` }];
}

function endpointCheck(kind: EndpointKind, data: unknown): ValueProblem[] {
  if (typeof data !== 'string') return [];
  let problem: string | null;
  if (kind === 'udp-target' || kind === 'udp-listen') {
    const checked = checkUdpUrl(data, kind === 'udp-listen' ? 'ephemeral' : 'refuse');
    if (!checked.ok && checked.malformed) return [];
    problem = checked.ok ? null : checked.problem;
  } else {
    problem = kind === 'http-url' ? httpUrlProblem(data) : turnUrlProblem(data);
  }
  return problem === null ? [] : [{ message: `${problem}, found ${show(data)}` }];
}

/** Every keyword, for the validator to register (schema.ts, the one place that knows ajv). */
export const VALUE_KEYWORDS: readonly ValueKeyword[] = [
  { keyword: 'x-duration', schemaType: 'object', check: durationRange as ValueKeyword['check'] },
  { keyword: 'x-rate', schemaType: 'object', check: rateRange as ValueKeyword['check'] },
  { keyword: 'x-threshold', schemaType: 'object', check: thresholdRange as ValueKeyword['check'] },
  { keyword: 'x-endpoint', schemaType: 'string', check: endpointCheck as ValueKeyword['check'] },
];

/** The keywords whose message is complete as the keyword wrote it. */
export const VALUE_KEYWORD_NAMES: ReadonlySet<string> = new Set(VALUE_KEYWORDS.map((k) => k.keyword));
