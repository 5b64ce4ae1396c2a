import { statSync } from 'node:fs';
import path from 'node:path';
import type { Scenario } from './scenario.js';
import type { SemanticProblem } from './semantic.js';

/**
 * Media files a scenario names, checked where the run will read them (relative paths resolve
 * against the scenario's folder, as the media library resolves them), so a typo fails `validate`
 * instead of a run. Only for scenarios read from a file: inline (REST) ones may name no files.
 */
export function mediaFileProblems(scenario: Scenario, baseDir: string): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  for (const kind of ['video', 'audio'] as const) {
    const file = scenario.media[kind]?.file;
    if (!file) continue;
    const resolved = path.resolve(baseDir, file);
    let isFile = false;
    try {
      isFile = statSync(resolved).isFile();
    } catch {
      problems.push({ path: ['media', kind, 'file'], message: `no such file: ${resolved}` });
      continue;
    }
    if (!isFile) problems.push({ path: ['media', kind, 'file'], message: `${resolved} is not a file` });
  }
  return problems;
}
