import { ScenarioRun, type RunContext } from './scenario-run.js';
import type { RunRequest, Runner, RunningRun } from './types.js';

/**
 * The runner: starts scenario runs on the backends it is given (built by the CLI, so the runner
 * itself names none). Each run is isolated: its own plan, probe socket, partitions and reports.
 */
export function createRunner(context: RunContext): Runner {
  return {
    start(request: RunRequest): RunningRun {
      return new ScenarioRun(request, context);
    },
  };
}
