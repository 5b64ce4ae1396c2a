export { runBench, meetsTargets, defaultPartitions, type BenchFigures, type BenchOptions } from './run-bench.js';
export { renderBenchTable } from './render.js';
