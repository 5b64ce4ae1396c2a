import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AvcmError } from '../errors/index.js';
import { readRunResult } from '../result/read-run-result.js';
import type { RunResult } from '../result/types.js';

/** A baseline run found for a scenario: its report and where it was read from. */
export interface FoundBaseline {
  report: string;
  result: RunResult;
}

/**
 * Finds the baseline run of a scenario for `avcm test --baseline PATH`. PATH is a previous run's
 * JSON report, used as given, or a folder of them (a previous run's --out-dir, a CI artifact):
 * there `<scenario>.json` when it is that scenario's report, else the newest report (by start
 * time) whose `scenario` is the scenario's name. Returns null when a folder holds none; throws
 * AvcmError E_USAGE when PATH does not exist or a file is not a run report. `report` is PATH
 * (or the file in the folder) relative to `cwd`, as messages and reports show it.
 */
export async function findBaseline(baselinePath: string, scenarioName: string, cwd: string): Promise<FoundBaseline | null> {
  const absolute = path.resolve(cwd, baselinePath);
  const info = await stat(absolute).catch(() => null);
  if (!info) throw new AvcmError('E_USAGE', `--baseline ${baselinePath}: no such file or folder`, { hint: 'pass a previous run\'s JSON report, or the folder it was written to (its --out-dir)' });
  const shown = (file: string): string => path.relative(cwd, file) || file;
  if (!info.isDirectory()) return { report: shown(absolute), result: await readRunResult(absolute) };

  const named = path.join(absolute, `${scenarioName}.json`);
  const namedResult = await readRunResult(named).catch(() => null);
  if (namedResult && namedResult.scenario === scenarioName) return { report: shown(named), result: namedResult };

  const candidates: FoundBaseline[] = [];
  for (const entry of (await readdir(absolute)).sort()) {
    if (!entry.endsWith('.json')) continue;
    const file = path.join(absolute, entry);
    // Other JSON files may share the folder (plans, traces): only run reports of this scenario count.
    const result = await readRunResult(file).catch(() => null);
    if (result && result.scenario === scenarioName) candidates.push({ report: shown(file), result });
  }
  candidates.sort((a, b) => Date.parse(b.result.startedAt) - Date.parse(a.result.startedAt));
  return candidates[0] ?? null;
}
