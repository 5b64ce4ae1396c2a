/**
 * The allocation checks' one seam to V8's sampling heap profiler: fixtures run in a fresh process
 * (so no other test's code shares the JIT), warm their hot path up, then measure it here.
 */
import { Session } from 'node:inspector/promises';

/** Bytes allocated while profiling, by code of ours: in total and per label. */
export interface AllocationProfile {
  bytes: number;
  byFunction: Record<string, number>;
}

/**
 * Which allocations count and under what label: `null` leaves a frame out (node's own, a test's),
 * else the label its bytes are summed under (usually file and function).
 */
export type Attribute = (url: string, functionName: string) => string | null;

interface ProfileNode {
  callFrame: { url: string; functionName: string };
  selfSize: number;
  children: ProfileNode[];
}

/**
 * Runs `body` under the sampling heap profiler (a sample every 64 bytes, objects collected by minor
 * and major GC included, so short-lived garbage counts) and sums what `attribute` keeps.
 */
export async function profileAllocations(body: () => void | Promise<void>, attribute: Attribute): Promise<AllocationProfile> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 64, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await body();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  await session.post('HeapProfiler.disable');
  session.disconnect();
  const byFunction: Record<string, number> = {};
  let bytes = 0;
  const walk = (node: ProfileNode): void => {
    const label = node.selfSize > 0 ? attribute(node.callFrame.url, node.callFrame.functionName) : null;
    if (label !== null) {
      bytes += node.selfSize;
      byFunction[label] = (byFunction[label] ?? 0) + node.selfSize;
    }
    node.children.forEach(walk);
  };
  walk(profile.head as ProfileNode);
  return { bytes, byFunction };
}

/**
 * The least of `passes` profiled runs of `body` (by `measure`, default total bytes). On a busy
 * machine the optimizing compiler (a background thread) may install its code late, and code still
 * in the baseline tiers boxes floats; an allocation per packet shows in every pass, so the least
 * pass is what the code itself allocates.
 */
export async function leastOfPasses<T extends AllocationProfile>(passes: number, pass: (index: number) => Promise<T>, measure: (profile: T) => number = (p) => p.bytes): Promise<T> {
  let least: T | null = null;
  for (let i = 0; i < passes; i++) {
    const measured = await pass(i);
    if (least === null || measure(measured) < measure(least)) least = measured;
  }
  return least!;
}
