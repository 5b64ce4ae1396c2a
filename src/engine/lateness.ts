/**
 * A mergeable histogram of pacing lateness (how late a frame left versus its schedule), in
 * 0.1 ms buckets up to 1 s plus an overflow bucket. Fixed size, so it crosses process boundaries as
 * counts (never as percentiles) and partitions merge exactly.
 */
export const LATENESS_BUCKET_MS = 0.1;
const BUCKETS = 10_001;

export class LatenessHistogram {
  readonly counts = new Uint32Array(BUCKETS);
  maxMs = 0;

  record(latenessMs: number): void {
    const clamped = latenessMs < 0 ? 0 : latenessMs;
    if (clamped > this.maxMs) this.maxMs = clamped;
    const bucket = Math.min(BUCKETS - 1, Math.floor(clamped / LATENESS_BUCKET_MS));
    this.counts[bucket]++;
  }

  /** Sparse form for the wire: [bucket, count] pairs of non-empty buckets. */
  toSparse(): { buckets: [number, number][]; maxMs: number } {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i] > 0) buckets.push([i, this.counts[i]]);
    return { buckets, maxMs: this.maxMs };
  }

  merge(sparse: { buckets: [number, number][]; maxMs: number }): void {
    for (const [bucket, count] of sparse.buckets) this.counts[bucket] += count;
    if (sparse.maxMs > this.maxMs) this.maxMs = sparse.maxMs;
  }

  total(): number {
    let sum = 0;
    for (let i = 0; i < BUCKETS; i++) sum += this.counts[i];
    return sum;
  }

  /** The q-quantile (0..1) in ms (upper edge of its bucket); 0 when empty. */
  quantileMs(q: number): number {
    const total = this.total();
    if (total === 0) return 0;
    const rank = Math.ceil(q * total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return i === BUCKETS - 1 ? this.maxMs : (i + 1) * LATENESS_BUCKET_MS;
    }
    return this.maxMs;
  }
}
