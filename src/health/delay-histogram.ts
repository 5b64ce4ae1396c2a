/** Bucket width, ms: fine enough for lateness and lag limits of a few ms. */
export const DELAY_BUCKET_MS = 0.1;
/** 0.1 ms buckets up to 1 s, then one overflow bucket (its values are known by `maxMs`). */
export const DELAY_BUCKETS = 10_001;
const BUCKETS = DELAY_BUCKETS;

/**
 * A window's histogram of a delay in ms (pacing lateness, receive lag): fixed size, recorded
 * without allocating, read and `reset` once per window. A hot loop that must not pass a float to
 * a call (V8 boxes it when it does not inline the call) may instead increment `counts` at
 * `min(DELAY_BUCKETS - 1, floor(ms / DELAY_BUCKET_MS))` and then add to `total` and raise `maxMs`.
 */
export class DelayHistogram {
  readonly counts = new Uint32Array(BUCKETS);
  maxMs = 0;
  total = 0;

  record(delayMs: number): void {
    const clamped = delayMs < 0 ? 0 : delayMs;
    if (clamped > this.maxMs) this.maxMs = clamped;
    this.counts[bucketOf(clamped)]++;
    this.total++;
  }

  /** The q-quantile (0..1), ms: the upper edge of its bucket (the max in the overflow bucket); null when empty. */
  quantileMs(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return roundMs(i === BUCKETS - 1 ? this.maxMs : Math.min(this.maxMs, (i + 1) * DELAY_BUCKET_MS));
    }
    return roundMs(this.maxMs);
  }

  /** The window's p99 and max, ms (null when empty), then `reset`: what each part reports per window. */
  take(): { p99Ms: number | null; maxMs: number | null } {
    const figures = { p99Ms: this.quantileMs(0.99), maxMs: this.total > 0 ? roundMs(this.maxMs) : null };
    this.reset();
    return figures;
  }

  reset(): void {
    if (this.total === 0) return;
    this.counts.fill(0);
    this.maxMs = 0;
    this.total = 0;
  }
}

/** The bucket of a non-negative delay in ms. */
function bucketOf(delayMs: number): number {
  const bucket = Math.floor(delayMs / DELAY_BUCKET_MS);
  return bucket < BUCKETS - 1 ? bucket : BUCKETS - 1;
}

/** To 1/100 ms: finer than any limit, and no float noise in reports. */
function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
