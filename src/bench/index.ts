export { runBench, meetsTargets, defaultPartitions, type BenchFigures, type BenchOptions } from './run-bench.js';
export { renderBenchTable, renderHotPathTable } from './render.js';
export { runHotPathBench, runHotPathComparison, type HotPathFigures, type HotPathOptions, type HotPathSummary } from './hot-path.js';
export { runSoak, slopePerMin, type SoakFigures, type SoakOptions, type SoakSample } from './soak.js';
export { renderSoak } from './render-soak.js';
