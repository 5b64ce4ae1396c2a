import { MAX_TRACE_POINTS, type TimelineTrace } from './types.js';

/** A problem in a trace file, at its 1-based line (0 when it concerns the whole file). */
export interface TraceProblem {
  line: number;
  message: string;
}

/** The timeline columns besides time, with their allowed ranges. */
const COLUMNS = {
  loss_percent: { field: 'lossPercent', min: 0, max: 100, minExclusive: false },
  delay_ms: { field: 'delayMs', min: 0, max: 60_000, minExclusive: false },
  jitter_ms: { field: 'jitterMs', min: 0, max: 10_000, minExclusive: false },
  bandwidth_kbps: { field: 'bandwidthKbps', min: 0, max: 100_000_000, minExclusive: true },
} as const;
type Column = keyof typeof COLUMNS;

/** One row as read, before the rows are checked together. */
interface Row {
  line: number;
  tMs: number;
  values: Partial<Record<Column, number | null>>;
}

/** Step a single-row trace lasts, ms. */
const SINGLE_ROW_MS = 1000;

/**
 * Checks rows read from CSV or JSON and builds the timeline. Rows must start at t_ms 0 and
 * ascend; a last row holding only its time marks the end, else the trace ends one step after its
 * last row (the step between the last two, or 1 s). `endMs` (JSON's end_ms) sets the end instead.
 */
function buildTimeline(rows: Row[], endMs: number | null, problems: TraceProblem[]): TimelineTrace | null {
  if (rows.length === 0) {
    problems.push({ line: 0, message: 'the trace has no rows' });
    return null;
  }
  if (rows.length > MAX_TRACE_POINTS) {
    problems.push({ line: 0, message: `the trace has ${rows.length} rows; at most ${MAX_TRACE_POINTS} fit in a plan` });
    return null;
  }
  if (rows[0].tMs !== 0) problems.push({ line: rows[0].line, message: `the first row must be at t_ms 0, found ${rows[0].tMs}` });
  for (let i = 1; i < rows.length; i++) {
    if (!(rows[i].tMs > rows[i - 1].tMs)) problems.push({ line: rows[i].line, message: `t_ms ${rows[i].tMs} does not come after the previous row's ${rows[i - 1].tMs}` });
  }
  let data = rows;
  let periodMs: number;
  const last = rows[rows.length - 1];
  const endMarker = rows.length > 1 && Object.values(last.values).every((v) => v === null || v === undefined);
  if (endMs !== null) periodMs = endMs;
  else if (endMarker) {
    periodMs = last.tMs;
    data = rows.slice(0, -1);
  } else {
    periodMs = last.tMs + (rows.length > 1 ? last.tMs - rows[rows.length - 2].tMs : SINGLE_ROW_MS);
  }
  if (problems.length === 0 && !(periodMs > data[data.length - 1].tMs)) problems.push({ line: 0, message: `the trace ends at ${periodMs} ms, not after its last row (${data[data.length - 1].tMs} ms)` });
  if (problems.length > 0) return null;
  const column = (name: Column): (number | null)[] => data.map((r) => r.values[name] ?? null);
  return { kind: 'timeline', periodMs, tMs: data.map((r) => r.tMs), lossPercent: column('loss_percent'), delayMs: column('delay_ms'), jitterMs: column('jitter_ms'), bandwidthKbps: column('bandwidth_kbps') };
}

function checkValue(column: Column, value: number, line: number, problems: TraceProblem[]): number | null {
  const { min, max, minExclusive } = COLUMNS[column];
  const low = minExclusive ? !(value > min) : !(value >= min);
  if (!Number.isFinite(value) || low || value > max) {
    problems.push({ line, message: `${column} ${value} is outside ${minExclusive ? `(${min}` : `${min}`}..${max}` });
    return null;
  }
  return value;
}

/**
 * Reads a CSV timeline: a header naming `t_ms` (or `t_s`) and any of loss_percent, delay_ms,
 * jitter_ms, bandwidth_kbps; then one row per interval, an empty cell meaning "not impaired";
 * lines starting with `#` are comments. Returns the trace or every problem with its line.
 */
export function parseTimelineCsv(text: string): { trace: TimelineTrace | null; problems: TraceProblem[] } {
  const problems: TraceProblem[] = [];
  const lines = text.split(/\r?\n/);
  let header: string[] | null = null;
  let timeScale = 1;
  const rows: Row[] = [];
  lines.forEach((raw, i) => {
    const line = i + 1;
    const content = raw.trim();
    if (content === '' || content.startsWith('#')) return;
    const cells = content.split(',').map((c) => c.trim());
    if (header === null) {
      header = cells;
      const time = cells[0];
      if (time === 't_s') timeScale = 1000;
      else if (time !== 't_ms') problems.push({ line, message: `the first column must be t_ms (or t_s), found "${time}"` });
      for (const name of cells.slice(1)) {
        if (!(name in COLUMNS)) problems.push({ line, message: `unknown column "${name}"; columns: t_ms, ${Object.keys(COLUMNS).join(', ')}` });
      }
      return;
    }
    // Extra empty cells (an end row written for five columns) are nothing; extra values are a mistake.
    if (cells.slice(header.length).some((c) => c !== '')) {
      problems.push({ line, message: `${cells.length} cells, but the header names ${header.length} columns` });
      return;
    }
    const tMs = Number(cells[0]) * timeScale;
    if (cells[0] === '' || !Number.isFinite(tMs) || tMs < 0) {
      problems.push({ line, message: `expected a time >= 0, found "${cells[0]}"` });
      return;
    }
    const values: Row['values'] = {};
    header.slice(1).forEach((name, c) => {
      if (!(name in COLUMNS)) return;
      const cell = cells[c + 1] ?? '';
      if (cell === '') values[name as Column] = null;
      else if (Number.isNaN(Number(cell))) problems.push({ line, message: `${name}: expected a number or nothing, found "${cell}"` });
      else values[name as Column] = checkValue(name as Column, Number(cell), line, problems);
    });
    rows.push({ line, tMs: Math.round(tMs * 1000) / 1000, values });
  });
  if (header === null) return { trace: null, problems: [{ line: 0, message: 'the trace is empty (expected a header like t_ms,loss_percent,delay_ms,jitter_ms,bandwidth_kbps)' }] };
  if (problems.length > 0) return { trace: null, problems };
  const trace = buildTimeline(rows, null, problems);
  return { trace, problems };
}

/**
 * Reads a JSON timeline: `{ "samples": [{ "t_ms": 0, "loss_percent": 1, ... }], "end_ms": 30000 }`
 * (end_ms optional) or a bare array of samples. A missing or null field means "not impaired".
 */
export function parseTimelineJson(text: string): { trace: TimelineTrace | null; problems: TraceProblem[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { trace: null, problems: [{ line: 0, message: `not JSON: ${(error as Error).message}` }] };
  }
  const doc = Array.isArray(value) ? { samples: value } : (value as { samples?: unknown; end_ms?: unknown } | null);
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.samples)) return { trace: null, problems: [{ line: 0, message: 'expected { "samples": [...] } or an array of samples' }] };
  const problems: TraceProblem[] = [];
  const rows: Row[] = [];
  doc.samples.forEach((sample: unknown, i: number) => {
    const at = i + 1;
    if (!sample || typeof sample !== 'object') {
      problems.push({ line: 0, message: `sample ${at}: expected an object` });
      return;
    }
    const s = sample as Record<string, unknown>;
    for (const key of Object.keys(s)) if (key !== 't_ms' && !(key in COLUMNS)) problems.push({ line: 0, message: `sample ${at}: unknown field "${key}"` });
    if (typeof s.t_ms !== 'number' || s.t_ms < 0) {
      problems.push({ line: 0, message: `sample ${at}: expected t_ms >= 0, found ${JSON.stringify(s.t_ms)}` });
      return;
    }
    const values: Row['values'] = {};
    for (const name of Object.keys(COLUMNS) as Column[]) {
      const v = s[name];
      if (v === undefined || v === null) values[name] = null;
      else if (typeof v !== 'number') problems.push({ line: 0, message: `sample ${at}: ${name} must be a number or null, found ${JSON.stringify(v)}` });
      else values[name] = checkValue(name, v, 0, problems);
    }
    rows.push({ line: 0, tMs: s.t_ms, values });
  });
  const endMs = (doc as { end_ms?: unknown }).end_ms;
  if (endMs !== undefined && (typeof endMs !== 'number' || endMs <= 0)) problems.push({ line: 0, message: `end_ms must be a number > 0, found ${JSON.stringify(endMs)}` });
  if (problems.length > 0) return { trace: null, problems };
  return { trace: buildTimeline(rows, typeof endMs === 'number' ? endMs : null, problems), problems };
}
