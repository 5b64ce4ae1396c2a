import { AvcmError } from '../errors/index.js';
import { ScenarioInvalidError, scenarioFromText, type Scenario } from '../scenario/index.js';
import { RegistryError } from './run-registry.js';

/** One located problem of a posted scenario (line/col are 1-based, in the posted text). */
export interface BodyProblem {
  line: number;
  col: number;
  path: string;
  message: string;
}

/** A validation failure of a posted scenario: 400 with every located problem. */
export class ScenarioBodyError extends RegistryError {
  constructor(readonly problems: BodyProblem[]) {
    super(400, 'E_SCENARIO', `the scenario is invalid: ${problems.length} problem${problems.length === 1 ? '' : 's'} (first: line ${problems[0]?.line}, ${problems[0]?.path} ${problems[0]?.message})`);
  }
}

/** What the server allows a posted scenario to ask for. */
export interface ScenarioLimits {
  /** Largest `participants.count`. */
  maxParticipants: number;
}

/**
 * Turns a request body into a validated Scenario through the same validation as files (so the
 * REST API and the CLI agree on what is valid), then applies the server's limits.
 * `body` is the posted text (YAML or JSON, kept raw so problems point at real lines) or an
 * already-parsed document (the interactive API's translation).
 */
export function scenarioFromBody(body: unknown, limits: ScenarioLimits, label = 'request body'): Scenario {
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? null, null, 2);
  let scenario: Scenario;
  try {
    scenario = scenarioFromText(text, label);
  } catch (error) {
    if (error instanceof ScenarioInvalidError) throw new ScenarioBodyError(error.problems.map((p) => ({ line: p.line, col: p.column, path: p.path, message: p.message })));
    if (error instanceof AvcmError) throw error;
    // The YAML reader refuses some documents by throwing (e.g. too many aliases, a "billion laughs"): still the client's document.
    throw new ScenarioBodyError([{ line: 1, col: 1, path: '/', message: `the document cannot be read: ${error instanceof Error ? error.message : String(error)}` }]);
  }
  if (scenario.participants.count > limits.maxParticipants) {
    throw new RegistryError(400, 'E_LIMIT', `participants.count ${scenario.participants.count} exceeds this server's limit of ${limits.maxParticipants} (avcm serve --max-participants)`);
  }
  if (scenario.media.video?.file || scenario.media.audio?.file) {
    throw new RegistryError(400, 'E_LIMIT', 'scenarios posted to the server use the shipped media; media.*.file (a path on the server) is not allowed');
  }
  const relative = scenario.assertions.find((a) => a.relative !== null);
  if (relative) {
    throw new RegistryError(400, 'E_SCENARIO', `assertion "${relative.expression}" (/${relative.path.join('/')}) compares with a baseline run, but runs posted to the server have none; gate against a baseline with avcm test --baseline`);
  }
  if (scenario.sut) {
    // The command driver runs shell commands; docker and k8s act on the server's engine and cluster.
    throw new RegistryError(400, 'E_LIMIT', 'scenarios posted to the server cannot act on a system under test (sut:, sut_* spikes): run them with avcm test on the machine that may do so');
  }
  return scenario;
}
