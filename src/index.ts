/** avcm's library API: what TypeScript scenarios and embedding programs import. */
export { defineScenario, loadScenario, type ScenarioDocument, type Scenario } from './scenario/index.js';
export { compile, type Plan } from './plan/index.js';
export { AvcmError, ERROR_CODES, type ErrorCode } from './errors/index.js';
export type { RunResult } from './result/index.js';
