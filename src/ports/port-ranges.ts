/** A run of consecutive ports, both ends included. */
export interface PortRange {
  first: number;
  last: number;
}

/** Sorted, deduplicated ports folded into runs of consecutive ports. */
export function toRanges(ports: Iterable<number>): PortRange[] {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const ranges: PortRange[] = [];
  for (const port of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && port === last.last + 1) last.last = port;
    else ranges.push({ first: port, last: port });
  }
  return ranges;
}

/** "5000..5003, 15000..15003, 20007", for messages. */
export function formatRanges(ranges: readonly PortRange[]): string {
  return ranges.map((r) => (r.first === r.last ? String(r.first) : `${r.first}..${r.last}`)).join(', ');
}

/** Whether any port of `a` lies in `b`. */
export function rangesOverlap(a: readonly PortRange[], b: readonly PortRange[]): PortRange[] {
  const overlap: PortRange[] = [];
  for (const x of a) {
    for (const y of b) {
      const first = Math.max(x.first, y.first);
      const last = Math.min(x.last, y.last);
      if (first <= last) overlap.push({ first, last });
    }
  }
  return toRanges(overlap.flatMap((r) => Array.from({ length: r.last - r.first + 1 }, (_, i) => r.first + i)));
}
