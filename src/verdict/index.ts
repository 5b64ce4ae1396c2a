export { buildRunResult, senderTotals, type VerdictInput } from './evaluate.js';
export { scopeMetrics, statOf, percentile } from './metrics.js';
export { parseExpression, compare, type ParsedExpression } from './parse-assertion.js';
