export { AvcmMetrics, createMetrics } from './metrics.js';
export { serveEngineMetrics } from './engine-metrics.js';
