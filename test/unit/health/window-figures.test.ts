import { afterEach, describe, expect, it, vi } from 'vitest';
import { DelayHistogram, ProcessHealthSampler, WindowTicker } from '../../../src/health/index.js';

describe('DelayHistogram', () => {
  it('p99 is the upper edge of its 0.1 ms bucket, never above the max; take() resets the window', () => {
    const h = new DelayHistogram();
    for (let i = 0; i < 99; i++) h.record(1.04);
    h.record(37.3);
    expect(h.quantileMs(0.5)).toBe(1.1);
    expect(h.quantileMs(0.99)).toBe(1.1);
    expect(h.quantileMs(1)).toBe(37.3);
    expect(h.take()).toEqual({ p99Ms: 1.1, maxMs: 37.3 });
    expect(h.take()).toEqual({ p99Ms: null, maxMs: null });
  });

  it('negative delays (a frame sent early) count as 0; beyond a second, the overflow bucket reports the max', () => {
    const h = new DelayHistogram();
    h.record(-3);
    expect(h.take()).toEqual({ p99Ms: 0, maxMs: 0 });
    h.record(2500);
    expect(h.take()).toEqual({ p99Ms: 2500, maxMs: 2500 });
  });
});

describe('WindowTicker', () => {
  afterEach(() => vi.useRealTimers());

  it('reports each window once after it ends, a stall as the windows it spanned, and the partial last window on finish', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const reported: [number, number][] = [];
    const ticker = new WindowTicker(1_000_000, 1000, () => Date.now(), (first, last) => reported.push([first, last]));
    ticker.start();
    vi.advanceTimersByTime(3_100);
    expect(reported).toEqual([[0, 0], [1, 1], [2, 2]]);
    // A stall of 2.5 s: nothing ran, then the windows that ended meanwhile come at once.
    vi.setSystemTime(Date.now() + 2_500);
    ticker.closeEnded();
    expect(reported.slice(3)).toEqual([[3, 4]]);
    ticker.finish();
    expect(reported.at(-1)).toEqual([5, 5]);
    const count = reported.length;
    vi.advanceTimersByTime(5_000);
    ticker.finish();
    expect(reported).toHaveLength(count);
  });

  it('started late (a late join), it reports from the window in progress on', () => {
    vi.useFakeTimers({ now: 1_004_500 });
    const reported: [number, number][] = [];
    const ticker = new WindowTicker(1_000_000, 1000, () => Date.now(), (first, last) => reported.push([first, last]));
    ticker.start();
    vi.advanceTimersByTime(600);
    ticker.stop();
    expect(reported).toEqual([[4, 4]]);
  });
});

describe('ProcessHealthSampler', () => {
  const block = (ms: number): void => {
    const until = Date.now() + ms;
    while (Date.now() < until);
  };

  it('a blocked loop shows as CPU and event-loop delay in its window, right after a window began too', async () => {
    const sampler = new ProcessHealthSampler();
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      sampler.sample();
      // In the same timer phase as the window's start (where the monitor's reset would lose it).
      block(150);
      await new Promise((resolve) => setTimeout(resolve, 40));
      const busy = sampler.sample();
      expect(busy.eventLoopDelayMaxMs).toBeGreaterThan(100);
      expect(busy.cpuPercent).toBeGreaterThan(20);
    } finally {
      sampler.close();
      sampler.close();
    }
  });

  it('a stall still in progress at the window end (no timer ran since) is that window\'s', async () => {
    const sampler = new ProcessHealthSampler();
    try {
      await new Promise((resolve) => setTimeout(resolve, 30));
      sampler.sample();
      block(300);
      expect(sampler.sample().eventLoopDelayMaxMs).toBeGreaterThan(250);
      await new Promise((resolve) => setTimeout(resolve, 30));
      // Counted once: the next window does not see it again.
      expect(sampler.sample().eventLoopDelayMaxMs).toBeLessThan(250);
      expect(sampler.sinceStart().maxMs).toBeGreaterThan(250);
    } finally {
      sampler.close();
    }
  });
});
