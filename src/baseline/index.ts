/** Baseline runs for release gating: finding the previous run a scenario is compared with. */
export { findBaseline, type FoundBaseline } from './find-baseline.js';
