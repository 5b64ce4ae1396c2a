import path from 'node:path';
import { AvcmError } from '../errors/index.js';
import { applyDefaults } from './defaults.js';
import { loadScenarioFile, parseScenarioText, type LoadedDocument } from './load.js';
import type { Scenario } from './scenario.js';
import { scenarioValidator } from './schema.js';
import { schemaProblems } from './schema-problems.js';
import { mediaFileProblems } from './file-checks.js';
import { resolveTraces } from './resolve-traces.js';
import { semanticProblems } from './semantic.js';
import type { Problem, ScenarioDocument } from './types.js';

/** Formats a problem the way every avcm tool prints it: `file:line:col /path message`. */
export function formatProblem(problem: Problem): string {
  return `${problem.file}:${problem.line}:${problem.column} ${problem.path} ${problem.message}`;
}

/** Thrown when a scenario is invalid; carries every problem found, not only the first. */
export class ScenarioInvalidError extends AvcmError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    const files = [...new Set(problems.map((p) => p.file))].join(', ');
    super('E_SCENARIO', `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files}:\n${problems.map(formatProblem).join('\n')}`);
    this.problems = problems;
  }
}

export interface ValidationOptions {
  /** `--partitions`, which changes the port range to check. */
  partitions?: number;
  /** Where trace files of a scenario given as text are read from; without it (REST bodies) trace files are refused. */
  baseDir?: string;
}

export interface Validated {
  scenario: Scenario | null;
  problems: Problem[];
}

/** Schema first (every error at once), then, when the shape is right, the semantic checks. */
export function validateLoaded(loaded: LoadedDocument, options: ValidationOptions = {}): Validated {
  const file = loaded.source.file;
  if (loaded.problems.length > 0) return { scenario: null, problems: loaded.problems };
  const validate = scenarioValidator();
  if (!validate(loaded.document)) {
    return { scenario: null, problems: schemaProblems(validate.errors ?? [], file, loaded.locator) };
  }
  const defaulted = applyDefaults(loaded.document as ScenarioDocument, loaded.source.format === 'yaml' || loaded.source.format === 'ts' || loaded.source.format === 'json' ? file : null);
  // Each assertion knows its line, for annotations and reports that point at it.
  const located = {
    ...defaulted,
    assertions: defaulted.assertions.map((a) => ({ ...a, location: { file, ...loaded.locator.locate(a.path) } })),
  };
  const baseDir = loaded.source.absolutePath ? path.dirname(loaded.source.absolutePath) : (options.baseDir ?? null);
  const traces = resolveTraces(located, baseDir);
  const scenario = traces.scenario;
  const found = [...traces.problems, ...semanticProblems(scenario, options)];
  // Media files are checked for scenarios read from disk (relative to their folder).
  if (loaded.source.absolutePath !== undefined) found.push(...mediaFileProblems(scenario, path.dirname(loaded.source.absolutePath)));
  const problems = found.map((problem) => {
    const position = loaded.locator.locate(problem.path);
    return { file, line: position.line, column: position.column, path: '/' + problem.path.join('/'), message: problem.message };
  }).sort((a, b) => a.line - b.line || a.column - b.column);
  return { scenario: problems.length === 0 ? scenario : null, problems };
}

/** Loads and validates one scenario file; throws ScenarioInvalidError with every problem. */
export async function loadScenario(file: string, options: ValidationOptions = {}, cwd: string = process.cwd()): Promise<Scenario> {
  const result = validateLoaded(await loadScenarioFile(file, cwd), options);
  if (!result.scenario) throw new ScenarioInvalidError(result.problems);
  return result.scenario;
}

/** Validates scenario text given inline (REST bodies); `label` names it in messages. */
export function scenarioFromText(text: string, label: string, options: ValidationOptions = {}): Scenario {
  const result = validateLoaded(parseScenarioText(text, label), options);
  if (!result.scenario) throw new ScenarioInvalidError(result.problems);
  return { ...result.scenario, file: null, assertions: result.scenario.assertions.map((a) => ({ ...a, location: null })) };
}
