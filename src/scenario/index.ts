export { defineScenario } from './define.js';
export { loadScenarioFile, parseScenarioText, isScenarioFile, type LoadedDocument } from './load.js';
export { loadScenario, scenarioFromText, validateLoaded, formatProblem, ScenarioInvalidError, type Validated } from './validate.js';
export { loadScenarioSchema } from './schema.js';
export { DEFAULTS } from './defaults.js';
export { parseDurationMs, parseRateKbps, parseShare, parseUdpUrl, formatDuration, type UdpUrl } from './units.js';
export type * from './scenario.js';
export { videoBitrateKbps } from './scenario.js';
export type { ScenarioDocument, SpikeSpec, Problem, Duration, Rate } from './types.js';
