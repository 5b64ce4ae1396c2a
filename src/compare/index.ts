/** `avcm compare`: two runs' reports side by side, what changed and what regressed. */
export { compareRuns, type Comparison, type MetricChange, type StatChange, type ChangeVerdict, type RunSide } from './compare-runs.js';
export { resolveThresholds, formatThreshold } from './thresholds.js';
export { DEFAULT_ABSOLUTE, DEFAULT_RELATIVE_PERCENT, type Threshold } from './metric-direction.js';
