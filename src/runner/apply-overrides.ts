import { AvcmError } from '../errors/index.js';
import type { Scenario } from '../scenario/index.js';
import { semanticProblems } from '../scenario/semantic.js';
import type { RunOverrides } from './types.js';

/**
 * Applies CLI/API overrides (`--participants`, `--duration`, `--backend`, `--target`) to a
 * validated scenario and re-checks the semantics they can break (spike ids out of range, spikes
 * longer than a shortened run). Invalid combinations are usage errors: nothing runs.
 */
export function applyOverrides(scenario: Scenario, overrides: RunOverrides = {}): Scenario {
  const changed: Scenario = {
    ...scenario,
    backend: overrides.backend ?? scenario.backend,
    durationMs: overrides.durationMs ?? scenario.durationMs,
    target: overrides.target ?? scenario.target,
    participants: { ...scenario.participants, count: overrides.participants ?? scenario.participants.count },
  };
  if (overrides.participants === undefined && overrides.durationMs === undefined && overrides.backend === undefined) return changed;
  const problems = semanticProblems(changed, { partitions: overrides.partitions });
  if (problems.length > 0) {
    const lines = problems.map((p) => `  /${p.path.join('/')} ${p.message}`).join('\n');
    throw new AvcmError('E_USAGE', `the command-line overrides make scenario ${scenario.name} invalid:\n${lines}`, {
      hint: 'change --participants/--duration, or the scenario',
    });
  }
  return changed;
}
