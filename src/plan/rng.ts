/**
 * The seeded pseudo-random generator behind every random choice of a run: spike times, targets,
 * drawn parameters, SSRCs and the impairment stages' loss/jitter draws. sfc32 (a small, fast,
 * well-tested generator that passes PractRand to large sizes) seeded through splitmix32, so nearby
 * seeds give unrelated streams. Same seed => same sequence on every platform.
 */

/** A 32-bit mix (splitmix32 finalizer): spreads the bits of x over the whole word. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** Combines numbers (seed, participant id, spike index...) into one well-mixed 32-bit seed. */
export function deriveSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) h = mix32((h ^ (part >>> 0)) + Math.floor(part / 0x1_0000_0000));
  return h >>> 0;
}

/** FNV-1a over a string: the default seed of a scenario is derived from its name. */
export function seedFromText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal N(0, 1) (Box-Muller, the second value cached). */
  gaussian(): number;
  /** Uniform in [min, max]. */
  uniform(min: number, max: number): number;
  /** Integer uniform in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** A uniformly random 32-bit unsigned integer. */
  uint32(): number;
}

export function createRng(seed: number): Rng {
  let a = mix32(seed);
  let b = mix32(a ^ 0x5bd1e995);
  let c = mix32(b ^ 0x1b873593);
  let d = 1;
  let spare: number | null = null;
  const uint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: sfc32's state needs a few rounds to decorrelate from the seed.
  for (let i = 0; i < 12; i++) uint32();
  const next = (): number => uint32() / 0x1_0000_0000;
  return {
    next,
    uint32,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    gaussian() {
      if (spare !== null) {
        const value = spare;
        spare = null;
        return value;
      }
      let u = next();
      while (u === 0) u = next();
      const v = next();
      const radius = Math.sqrt(-2 * Math.log(u));
      spare = radius * Math.sin(2 * Math.PI * v);
      return radius * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Fisher-Yates in place with the given rng. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
