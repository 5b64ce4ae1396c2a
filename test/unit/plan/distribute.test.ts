import { describe, expect, it } from 'vitest';
import { placeStarts } from '../../../src/plan/distribute.js';
import { createRng } from '../../../src/plan/rng.js';
import type { Distribution, Strategy } from '../../../src/scenario/index.js';

const RUN_MS = 600_000;
const LONGEST_MS = 20_000;

function dist(strategy: Strategy, extra: Partial<Distribution> = {}): Distribution {
  return { strategy, minSpacingMs: 5000, jitterPercent: 15, respectMinOffset: true, intervalMs: 5000, waves: 3, burstSize: 3, ...extra };
}

const STRATEGIES: Strategy[] = ['even', 'random', 'front_loaded', 'back_loaded', 'legacy', 'wave', 'burst'];

describe.each(STRATEGIES)('%s', (strategy) => {
  for (let seed = 1; seed <= 25; seed++) {
    it(`seed ${seed}: inside the run, after the offset, min_spacing respected, ascending`, () => {
      const starts = placeStarts(20, LONGEST_MS, RUN_MS, dist(strategy), createRng(seed));
      expect(starts).toHaveLength(20);
      for (const t of starts) {
        expect(t).toBeGreaterThanOrEqual(5000);
        expect(t + LONGEST_MS).toBeLessThanOrEqual(RUN_MS);
      }
      for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(5000 - 1);
    });
  }
  it('is deterministic per seed and differs across seeds (except the fixed ticker)', () => {
    const a = placeStarts(10, LONGEST_MS, RUN_MS, dist(strategy), createRng(3));
    expect(placeStarts(10, LONGEST_MS, RUN_MS, dist(strategy), createRng(3))).toEqual(a);
    const b = placeStarts(10, LONGEST_MS, RUN_MS, dist(strategy), createRng(4));
    if (strategy === 'legacy' || strategy === 'burst') expect(b).toEqual(a);
    else expect(b).not.toEqual(a);
  });
});

describe('strategy shapes', () => {
  const half = RUN_MS / 2;
  const shareInFirstHalf = (strategy: Strategy) => {
    let first = 0;
    let total = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const starts = placeStarts(12, LONGEST_MS, RUN_MS, dist(strategy), createRng(seed));
      first += starts.filter((t) => t < half).length;
      total += starts.length;
    }
    return first / total;
  };

  it('front_loaded puts most spikes in the first half', () => expect(shareInFirstHalf('front_loaded')).toBeGreaterThan(0.7));
  it('back_loaded puts most spikes in the second half', () => expect(shareInFirstHalf('back_loaded')).toBeLessThan(0.3));
  it('random is balanced', () => expect(Math.abs(shareInFirstHalf('random') - 0.5)).toBeLessThan(0.1));

  it('even is evenly spaced within the jitter', () => {
    const starts = placeStarts(10, LONGEST_MS, RUN_MS, dist('even', { jitterPercent: 15 }), createRng(9));
    const gap = (RUN_MS - LONGEST_MS - 5000) / 9;
    starts.forEach((t, i) => expect(Math.abs(t - (5000 + i * gap))).toBeLessThanOrEqual(0.15 * gap + 1));
    const exact = placeStarts(10, LONGEST_MS, RUN_MS, dist('even', { jitterPercent: 0 }), createRng(9));
    exact.forEach((t, i) => expect(t).toBe(Math.round(5000 + i * gap)));
  });

  it('legacy is a fixed ticker from the offset', () => {
    expect(placeStarts(4, 1000, 60_000, dist('legacy', { intervalMs: 7000 }), createRng(1))).toEqual([5000, 12000, 19000, 26000]);
  });

  it('respect_min_offset false allows a spike at 0', () => {
    expect(placeStarts(3, 1000, 60_000, dist('legacy', { respectMinOffset: false }), createRng(1))[0]).toBe(0);
  });

  it('burst groups burst_size spikes min_spacing apart, groups spread out', () => {
    const starts = placeStarts(9, LONGEST_MS, RUN_MS, dist('burst', { burstSize: 3 }), createRng(1));
    expect(starts[1] - starts[0]).toBe(5000);
    expect(starts[2] - starts[1]).toBe(5000);
    expect(starts[3] - starts[2]).toBeGreaterThan(100_000);
  });

  it('wave concentrates spikes near its crests', () => {
    // 1 wave: density (1 - cos 2πx)/2 peaks in the middle of the slack; compare middle vs ends.
    let middle = 0;
    let total = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const starts = placeStarts(5, 1000, RUN_MS, dist('wave', { waves: 1 }), createRng(seed));
      middle += starts.filter((t) => t > RUN_MS * 0.25 && t < RUN_MS * 0.75).length;
      total += starts.length;
    }
    expect(middle / total).toBeGreaterThan(0.65);
  });
});
