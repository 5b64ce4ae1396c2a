import { AvcmError, toAvcmError } from '../errors/index.js';
import type { Problem } from '../scenario/types.js';
import type { Deps } from './deps.js';

/** Prints an error the CLI way (code, message, hint; stack only with --debug) and returns its exit code. */
export function printError(error: unknown, deps: Deps, debug: boolean): number {
  const avcm = toAvcmError(error);
  // A ScenarioInvalidError carries located problems (checked structurally: the scenario module is loaded only by the verbs that need it).
  const problems = (avcm as { problems?: Problem[] }).problems;
  if (avcm.code === 'E_SCENARIO' && Array.isArray(problems)) {
    for (const problem of problems) deps.stderr.write(`${problem.file}:${problem.line}:${problem.column} ${problem.path} ${problem.message}\n`);
    deps.stderr.write(`avcm: ${problems.length} problem${problems.length === 1 ? '' : 's'} found; nothing ran\n`);
  } else {
    deps.stderr.write(`avcm: error ${avcm.code}: ${avcm.message}\n`);
    if (avcm.hint) deps.stderr.write(`  hint: ${avcm.hint}\n`);
  }
  if (debug) deps.stderr.write(`${(avcm.cause instanceof Error ? avcm.cause : avcm).stack ?? ''}\n`);
  return avcm instanceof AvcmError ? avcm.exitCode : 3;
}
