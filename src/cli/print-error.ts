import { AvcmError, toAvcmError } from '../errors/index.js';
import { formatProblem, ScenarioInvalidError } from '../scenario/index.js';
import type { Deps } from './deps.js';

/** Prints an error the CLI way (code, message, hint; stack only with --debug) and returns its exit code. */
export function printError(error: unknown, deps: Deps, debug: boolean): number {
  const avcm = toAvcmError(error);
  if (avcm instanceof ScenarioInvalidError) {
    for (const problem of avcm.problems) deps.stderr.write(`${formatProblem(problem)}\n`);
    deps.stderr.write(`avcm: ${avcm.problems.length} problem${avcm.problems.length === 1 ? '' : 's'} found; nothing ran\n`);
  } else {
    deps.stderr.write(`avcm: error ${avcm.code}: ${avcm.message}\n`);
    if (avcm.hint) deps.stderr.write(`  hint: ${avcm.hint}\n`);
  }
  if (debug) deps.stderr.write(`${(avcm.cause instanceof Error ? avcm.cause : avcm).stack ?? ''}\n`);
  return avcm instanceof AvcmError ? avcm.exitCode : 3;
}
