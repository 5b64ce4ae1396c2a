import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AvcmError } from '../errors/index.js';
import type { RunResult } from './types.js';

/**
 * Reads a run's JSON report (`<out-dir>/<scenario>.json`) for `avcm compare`, `avcm test
 * --baseline` and `avcm trace export`. Checks the shape it relies on (result version, scenario,
 * assertions, streams, timeline) and throws AvcmError E_USAGE naming the file when it is not one.
 */
export async function readRunResult(file: string, cwd: string = process.cwd()): Promise<RunResult> {
  let text: string;
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new AvcmError('E_USAGE', `cannot read the report ${file}: ${reason}`, { hint: 'pass the JSON report a run wrote (avcm-reports/<scenario>.json)' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AvcmError('E_USAGE', `${file} is not JSON: ${(error as Error).message}`, { hint: 'pass the JSON report a run wrote (avcm-reports/<scenario>.json), not the JUnit or HTML one' });
  }
  const problem = shapeProblem(value);
  if (problem) throw new AvcmError('E_USAGE', `${file} is not an avcm run report: ${problem}`, { hint: 'pass the JSON report a run wrote (avcm-reports/<scenario>.json)' });
  return value as RunResult;
}

/** What is missing from a run report, or null when it has the shape readers rely on. */
function shapeProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'expected a JSON object';
  const r = value as Record<string, unknown>;
  if (r.resultVersion !== 1) return `expected resultVersion 1, found ${JSON.stringify(r.resultVersion)}`;
  if (typeof r.scenario !== 'string') return 'it names no scenario';
  for (const key of ['assertions', 'streams', 'timeline', 'spikes'] as const) {
    if (!Array.isArray(r[key])) return `it has no ${key} list`;
  }
  return null;
}
