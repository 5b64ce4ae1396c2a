export { runBench, meetsTargets, defaultPartitions, type BenchFigures, type BenchOptions } from './run-bench.js';
export { renderBenchTable, renderHotPathTable } from './render.js';
export { runHotPathBench, runHotPathComparison, type HotPathFigures, type HotPathOptions, type HotPathSummary } from './hot-path.js';
