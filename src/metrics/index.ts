export { AvcmMetrics, createMetrics } from './metrics.js';
