/**
 * Per-window counters of one stream's session figures (NACKs, retransmissions, RTT samples,
 * freezes, ...): `fields` float64 values per window in one growable array, so recording is an
 * index computation and an add. Windows are run-relative (window i covers [i, i+1) x windowMs),
 * the same grid the probe's wire statistics use, so the verdict can scope both alike.
 */
const MAX_WINDOWS = 1 << 20;
const NO_FIELDS: ReadonlySet<string> = new Set();

export class WindowCounters {
  readonly fields: number;
  private table: Float64Array;
  private capacity: number;
  /** Highest window index written + 1. */
  windowCount = 0;

  constructor(fields: number, expectedWindows = 64) {
    this.fields = fields;
    this.capacity = Math.max(1, expectedWindows);
    this.table = new Float64Array(this.capacity * fields);
  }

  private slot(window: number): number {
    const w = window < 0 ? 0 : window >= MAX_WINDOWS ? MAX_WINDOWS - 1 : Math.floor(window);
    if (w >= this.capacity) {
      const capacity = Math.min(MAX_WINDOWS, Math.max(w + 1, this.capacity * 2));
      const values = new Float64Array(capacity * this.fields);
      values.set(this.table);
      this.table = values;
      this.capacity = capacity;
    }
    if (w >= this.windowCount) this.windowCount = w + 1;
    return w * this.fields;
  }

  add(window: number, field: number, amount = 1): void {
    // The common case stays small enough for V8 to inline (a float `amount` is then never boxed).
    if (window >= 0 && window < this.windowCount) this.table[window * this.fields + field] += amount;
    else this.addNew(window, field, amount);
  }

  /** `add` to a window not written yet: `slot` may replace the table, so it runs before the table is read. */
  private addNew(window: number, field: number, amount: number): void {
    const at = this.slot(window) + field;
    this.table[at] += amount;
  }

  /**
   * Where `window`'s fields start in `values` (growing the table first when needed), for a hot
   * path that adds float amounts: `values[row + field] += amount` passes no float to a call, which
   * V8 would box when it does not inline the call (a large caller exhausts its inlining budget).
   * Read `values` after `row`: growing replaces the array.
   */
  row(window: number): number {
    return window >= 0 && window < this.windowCount ? window * this.fields : this.slot(window);
  }

  /** The table `row` indexes (see there). */
  get values(): Float64Array {
    return this.table;
  }

  /** Keeps the larger of the current value and `value`. */
  max(window: number, field: number, value: number): void {
    const at = this.slot(window) + field;
    if (value > this.table[at]) this.table[at] = value;
  }

  get(window: number, field: number): number {
    return window < this.windowCount ? this.table[window * this.fields + field] : 0;
  }

  /** One field over windows [0, count): for reports (allocates). */
  column(field: number, count = this.windowCount): number[] {
    const out = new Array<number>(count);
    for (let w = 0; w < count; w++) out[w] = this.get(w, field);
    return out;
  }

  /**
   * Named fields as dense per-window columns over [0, windowCount), with whole-run totals (a sum,
   * or the largest value for fields in `maxFields`): the shape reports carry. Counts recorded past
   * the last window (a late playout, a late report) are folded into it. Allocates (reports only).
   */
  columns<F extends string>(fields: Readonly<Record<F, number>>, windowCount: number, maxFields: ReadonlySet<string> = NO_FIELDS): { totals: Record<F, number>; windows: Record<F, number[]> } {
    const count = Math.max(1, windowCount);
    const totals = {} as Record<F, number>;
    const windows = {} as Record<F, number[]>;
    for (const name of Object.keys(fields) as F[]) {
      const field = fields[name];
      const column = this.column(field, count);
      const largest = maxFields.has(name);
      for (let w = count; w < this.windowCount; w++) {
        const late = this.get(w, field);
        column[count - 1] = largest ? Math.max(column[count - 1], late) : column[count - 1] + late;
      }
      windows[name] = column;
      totals[name] = largest ? column.reduce((m, v) => Math.max(m, v), 0) : column.reduce((sum, v) => sum + v, 0);
    }
    return { totals, windows };
  }

  /** Sum of a field over all windows. */
  total(field: number): number {
    let sum = 0;
    for (let w = 0; w < this.windowCount; w++) sum += this.table[w * this.fields + field];
    return sum;
  }
}
