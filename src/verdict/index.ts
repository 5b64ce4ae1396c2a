export { buildRunResult, senderTotals, type VerdictInput } from './evaluate.js';
export { evaluateAssertions, type BaselineReference } from './evaluate-assertions.js';
export { scopeMetrics, statOf, percentile } from './metrics.js';
export { compare, formatBaselineLimit, resolveBaselineLimit } from './assertion-limits.js';
export { summarizeStreams, summarizeSamples, metricSamples, eligibleStreams, VIDEO_ONLY_METRICS } from './summary.js';
export { baselineValue, summaryOf } from './baseline-value.js';
export { worstStreams, formatWorstStreams, WORST_STREAM_COUNT } from './worst-streams.js';
export { GeneratorHealth, describeUnhealthy, summarizeReason, windowList, OVERLOAD_HINT, type GeneratorHealthInput, type WindowDependency } from './generator-health.js';
