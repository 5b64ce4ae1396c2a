export type { EngineHealthWindow, HealthCause, HealthFigure, HealthSource, HealthThresholds, ProbeHealthWindow } from './types.js';
export { DelayHistogram, DELAY_BUCKET_MS, DELAY_BUCKETS } from './delay-histogram.js';
export { ProcessHealthSampler, type ProcessWindowFigures } from './process-health.js';
export { WindowTicker } from './window-ticker.js';
export { describeCause, engineWindowCauses, probeWindowCauses } from './judge.js';
