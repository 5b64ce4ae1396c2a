export { buildServer, type ServerOptions } from './app.js';
export { RunRegistry, RegistryError, type RunEntry, type RunState } from './run-registry.js';
export { tokenMatches, isLoopbackHost } from './auth.js';
export { scenarioDocumentFromCreate } from './routes/tests.js';
