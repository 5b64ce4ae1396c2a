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
  /**
   * The per-packet forms: the same draws as `next() < probability` and `gaussian()`, but nothing
   * crosses the call as a float, which V8 boxes (allocates) whenever it does not inline the call.
   */
  chance(probability: number): boolean;
  /** Writes the next N(0, 1) draw to `cells[index]`. */
  gaussianInto(cells: Float64Array, index: number): void;
  /** Uniform in [min, max]. */
  uniform(min: number, max: number): number;
  /** Integer uniform in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** A uniformly random 32-bit unsigned integer. */
  uint32(): number;
}

/**
 * sfc32 as a class, not closures: every generator shares one `next` and one `gaussian`, so the
 * stages' call sites stay monomorphic and V8 inlines them (a float returned from a call it does not
 * inline is boxed: an allocation per packet on the chaos path).
 */
class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;
  /** Box-Muller's pair: [0] is returned first, [1] next (typed-array cells: storing never allocates). */
  private readonly pair = new Float64Array(2);
  /** Whether pair[1] is still to be returned. */
  private hasSecond = false;

  constructor(seed: number) {
    this.a = mix32(seed) | 0;
    this.b = mix32(this.a ^ 0x5bd1e995) | 0;
    this.c = mix32(this.b ^ 0x1b873593) | 0;
    // Discard the first outputs: sfc32's state needs a few rounds to decorrelate from the seed.
    for (let i = 0; i < 12; i++) this.step();
  }

  /** One sfc32 round, as an int32 (a small integer is never boxed, a uint32 above 2^31 may be). */
  private step(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t;
  }

  uint32(): number {
    return this.step() >>> 0;
  }

  next(): number {
    return (this.step() >>> 0) / 0x1_0000_0000;
  }

  chance(probability: number): boolean {
    return (this.step() >>> 0) / 0x1_0000_0000 < probability;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  gaussian(): number {
    this.hasSecond = !this.hasSecond;
    if (this.hasSecond) this.drawPair();
    return this.pair[this.hasSecond ? 0 : 1];
  }

  gaussianInto(cells: Float64Array, index: number): void {
    this.hasSecond = !this.hasSecond;
    if (this.hasSecond) this.drawPair();
    cells[index] = this.pair[this.hasSecond ? 0 : 1];
  }

  private drawPair(): void {
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.pair[0] = radius * Math.cos(2 * Math.PI * v);
    this.pair[1] = radius * Math.sin(2 * Math.PI * v);
  }
}

export function createRng(seed: number): Rng {
  return new Sfc32(seed);
}

/** Fisher-Yates in place with the given rng. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
