export type * from './types.js';
export { METRIC_NAMES } from './types.js';
export { readRunResult } from './read-run-result.js';
