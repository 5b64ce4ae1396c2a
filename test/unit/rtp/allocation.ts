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
  // Warm up first: until V8's optimizing compiler (a background thread, late on a busy machine)
  // installs its code, the body runs in the baseline tiers, where a float argument is boxed.
  for (let i = 0; i < iterations / 4; i++) body(i);
  // GC entries are queued and delivered on a later tick, so flush before and after.
  await new Promise((resolve) => setTimeout(resolve, 200));
  collections = 0;
  for (let i = 0; i < iterations; i++) body(i);
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return collections;
}

let sink: unknown = null;

/**
 * The GC counts of `body` and of a control loop that allocates one small object per iteration,
 * over the same iterations. A busy test process can collect once for reasons of its own (the test
 * runner's messages, timers), so a check reads "body <= 1 while the control collects many times"
 * rather than "exactly 0".
 */
export async function gcCountsWithControl(iterations: number, body: (i: number) => void): Promise<{ body: number; control: number }> {
  const measured = await gcCountDuring(iterations, body);
  const control = await gcCountDuring(iterations, (i) => {
    sink = { i, at: i * 0.5 };
  });
  return { body: measured, control: sink === null ? 0 : control };
}
