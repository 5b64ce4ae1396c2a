export { ProbeReceiver, type ProbeOptions, type LiveSummary, type LiveStreamRow } from './receiver.js';
export { StreamStats } from './stream-stats.js';
export { estimateMos, rFactor, mosFromR, E_MODEL } from './mos.js';
export type * from './types.js';
