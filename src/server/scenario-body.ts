import { ScenarioInvalidError, scenarioFromText, type Scenario } from '../scenario/index.js';
import { RegistryError } from './run-registry.js';

/** A validation failure of a posted scenario: 400 with every located problem. */
export class ScenarioBodyError extends RegistryError {
  constructor(readonly problems: { line: number; column: number; path: string; message: string }[]) {
    super(400, 'E_SCENARIO', `the scenario is invalid: ${problems.length} problem${problems.length === 1 ? '' : 's'} (${problems[0]?.path} ${problems[0]?.message})`);
  }
}

/**
 * Turns a request body (YAML text, or a JSON object already parsed) into a validated Scenario
 * through the same validation as files, then applies the server's limits.
 */
export function scenarioFromBody(body: unknown, limits: { maxParticipants: number }): Scenario {
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? null);
  let scenario: Scenario;
  try {
    scenario = scenarioFromText(text, 'request body');
  } catch (error) {
    if (error instanceof ScenarioInvalidError) throw new ScenarioBodyError(error.problems.map((p) => ({ line: p.line, column: p.column, path: p.path, message: p.message })));
    throw error;
  }
  if (scenario.participants.count > limits.maxParticipants) {
    throw new RegistryError(400, 'E_LIMIT', `participants.count ${scenario.participants.count} exceeds this server's limit of ${limits.maxParticipants}`);
  }
  if (scenario.media.video?.file || scenario.media.audio?.file) {
    throw new RegistryError(400, 'E_LIMIT', 'scenarios posted to the server use the shipped media; media.*.file (a path on the server) is not allowed');
  }
  return scenario;
}
