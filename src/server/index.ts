export { buildServer, type AvcmServer, type ServerOptions } from './app.js';
export { RunRegistry, RegistryError, type RunEntry, type RunState, type RunRegistryOptions } from './run-registry.js';
export { tokenMatches, isLoopbackHost } from './auth.js';
export { scenarioDocumentFromCreate, type CreateBody } from './routes/tests.js';
export { ScenarioBodyError, type BodyProblem, type ScenarioLimits } from './scenario-body.js';
