import type { Distribution } from '../scenario/scenario.js';
import type { Rng } from './rng.js';

/**
 * Places the start times (ms) of `count` spike events whose longest event lasts `longestMs`
 * inside a run of `runMs`, by the distribution's strategy. Every start lies in
 * [earliest, runMs - longestMs] where earliest = min_spacing when respect_min_offset, and starts
 * are at least min_spacing apart (legacy: exactly `interval` apart). Returns ascending times.
 * Validation guarantees they fit; if they do not, the window is clamped (never throws).
 */
export function placeStarts(count: number, longestMs: number, runMs: number, d: Distribution, rng: Rng): number[] {
  if (count === 0) return [];
  const earliest = d.respectMinOffset ? d.minSpacingMs : 0;
  const latest = Math.max(earliest, runMs - longestMs);
  const windowMs = latest - earliest;
  const spacing = d.minSpacingMs;
  const place = PLACERS[d.strategy];
  const starts = place({ count, windowMs, spacing, d, rng });
  return starts.map((offset) => Math.round(earliest + Math.min(Math.max(offset, 0), windowMs)));
}

interface PlaceInput {
  count: number;
  windowMs: number;
  spacing: number;
  d: Distribution;
  rng: Rng;
}

/**
 * Draws `count` offsets in [0, slack] from a density (given as a transform of a uniform draw), sorts
 * them and adds i x spacing: the classic way to sample points with a guaranteed minimum gap while
 * keeping the density's shape.
 */
function spacedDraws(input: PlaceInput, shape: (u: number) => number): number[] {
  const slack = Math.max(0, input.windowMs - (input.count - 1) * input.spacing);
  const draws = Array.from({ length: input.count }, () => slack * shape(input.rng.next())).sort((a, b) => a - b);
  return draws.map((x, i) => x + i * input.spacing);
}

const PLACERS: Record<Distribution['strategy'], (input: PlaceInput) => number[]> = {
  /** Evenly spread from the first to the last possible start, each moved by up to ±jitter_percent of the gap (never closer than min_spacing). */
  even(input) {
    const { count, windowMs, spacing, d, rng } = input;
    if (count === 1) return [windowMs / 2];
    const gap = windowMs / (count - 1);
    const maxJitter = Math.max(0, Math.min((d.jitterPercent / 100) * gap, (gap - spacing) / 2));
    return Array.from({ length: count }, (_, i) => i * gap + (rng.next() * 2 - 1) * maxJitter);
  },
  /** Uniformly random, min_spacing apart. */
  random: (input) => spacedDraws(input, (u) => u),
  /** Dense early: offsets drawn with density falling as (1 - x)^2 (u^3 transform). */
  front_loaded: (input) => spacedDraws(input, (u) => u ** 3),
  /** Dense late: the mirror of front_loaded. */
  back_loaded: (input) => spacedDraws(input, (u) => 1 - u ** 3),
  /** A fixed-interval ticker from the earliest start, as the original platform's runtime injector. */
  legacy(input) {
    return Array.from({ length: input.count }, (_, i) => i * input.d.intervalMs);
  },
  /** Density rising and falling in `waves` crests over the run (rejection sampling of 1 - cos). */
  wave(input) {
    const waves = input.d.waves;
    return spacedDraws(input, (u) => {
      let x = u;
      for (let attempt = 0; attempt < 64; attempt++) {
        const density = (1 - Math.cos(2 * Math.PI * waves * x)) / 2;
        if (input.rng.next() <= density) return x;
        x = input.rng.next();
      }
      return x;
    });
  },
  /** Groups of `burst_size` spikes min_spacing apart; the groups spread evenly over the run. */
  burst(input) {
    const { count, windowMs, spacing, d } = input;
    const size = Math.max(1, Math.min(d.burstSize, count));
    const groups = Math.ceil(count / size);
    const lastGroupSpan = (count - (groups - 1) * size - 1) * spacing;
    const step = groups === 1 ? 0 : (windowMs - lastGroupSpan) / (groups - 1);
    const starts: number[] = [];
    for (let i = 0; i < count; i++) {
      const group = Math.floor(i / size);
      starts.push((groups === 1 ? (windowMs - (count - 1) * spacing) / 2 : group * step) + (i % size) * spacing);
    }
    return starts;
  },
};
