export { compile, effectiveSeed, type CompileOptions } from './compile.js';
export { placeStarts } from './distribute.js';
export { partitionOf, sourcePort, partitionsShareHost, resolvePartitions, largestPartitionSize, PARTITION_PORT_STRIDE } from './partition.js';
export { createRng, deriveSeed, seedFromText, shuffleInPlace, type Rng } from './rng.js';
export type * from './types.js';
export { isSutSpike, SUT_SPIKE_TYPES } from './types.js';
export { probeShards, AUTO_PROBE_SHARDS_ABOVE_PARTICIPANTS } from './probe-shards.js';
