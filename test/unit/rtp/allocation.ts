import { PerformanceObserver } from 'node:perf_hooks';

/**
 * Runs `body` `iterations` times and resolves to the number of garbage collections V8 ran
 * meanwhile. A loop that allocates even a small object per call fills the young generation
 * (a few MB) many times over in a million calls; one that allocates nothing triggers none.
 */
export async function gcCountDuring(iterations: number, body: (i: number) => void): Promise<number> {
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  // GC entries are queued and delivered on a later tick, so flush before and after.
  await new Promise((resolve) => setTimeout(resolve, 20));
  collections = 0;
  for (let i = 0; i < iterations; i++) body(i);
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return collections;
}
