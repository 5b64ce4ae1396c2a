export { createRunner } from './create-runner.js';
export { applyOverrides } from './apply-overrides.js';
export type { RunContext } from './scenario-run.js';
export type * from './types.js';
