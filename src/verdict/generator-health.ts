import { describeCause, engineWindowCauses, probeWindowCauses, type EngineHealthWindow, type HealthCause, type HealthFigure, type HealthThresholds, type ProbeHealthWindow } from '../health/index.js';
import type { InconclusiveReason, RunHealth, TimelinePoint } from '../result/types.js';

/** What the verdict knows of the generator's health: the limits, and what each part measured. */
export interface GeneratorHealthInput {
  thresholds: HealthThresholds;
  /** Each partition's windows (the backend's totals). */
  engines: readonly { partition: number; windows: readonly EngineHealthWindow[] }[];
  /** The probe's windows (its report); empty when it did not measure itself. */
  probe: readonly ProbeHealthWindow[];
}

/** The windows an assertion's samples depend on: a stream's partition and the windows of the assertion's scope. */
export interface WindowDependency {
  partition: number | null;
  windows: readonly number[];
}

/** What a user can do about an overloaded generator. */
export const OVERLOAD_HINT =
  'give each engine fewer participants (scaling.participants_per_partition), use more partitions (--partitions, scaling.partitions), or run on a quieter machine; the limits are the scenario\'s health: section';

/**
 * The generator's health judged window by window against the scenario's limits: which part (a
 * partition's engine, the probe) was unhealthy in which window and why. A window nothing reported
 * for (an engine that died, a probe driven in fake time, an older remote image) is not known to
 * be unhealthy. Only the run's windows (0 ... windowCount - 1) are judged; later ones (a delay
 * line draining) are reported only.
 */
export class GeneratorHealth {
  readonly thresholds: HealthThresholds;
  private readonly windowCount: number;
  private readonly engines: RunHealth['engines'];
  private readonly probe: RunHealth['probe'];
  /** partition -> window -> causes, unhealthy windows only. */
  private readonly engineCauses = new Map<number, Map<number, HealthCause[]>>();
  private readonly probeCauses = new Map<number, HealthCause[]>();

  constructor(input: GeneratorHealthInput, windowCount: number) {
    this.thresholds = input.thresholds;
    this.windowCount = windowCount;
    this.engines = input.engines.map((e) => ({ partition: e.partition, windows: e.windows.map((w) => ({ ...w, causes: engineWindowCauses(w, input.thresholds) })) }));
    this.probe = input.probe.map((w) => ({ ...w, causes: probeWindowCauses(w, input.thresholds) }));
    for (const engine of this.engines) {
      const bad = new Map<number, HealthCause[]>();
      for (const w of engine.windows) if (w.causes.length > 0 && w.index < windowCount) bad.set(w.index, w.causes);
      this.engineCauses.set(engine.partition, bad);
    }
    for (const w of this.probe) if (w.causes.length > 0 && w.index < windowCount) this.probeCauses.set(w.index, w.causes);
  }

  /**
   * Why samples taken over these windows cannot be trusted, or null when every window they depend
   * on was healthy (or `health.inconclusive: false`). The probe receives every stream, so its bad
   * windows count for all of them.
   */
  unhealthyIn(dependencies: readonly WindowDependency[]): InconclusiveReason | null {
    if (!this.thresholds.markInconclusive) return null;
    const inScope = new Set<number>();
    const windows = new Set<number>();
    const partitions = new Set<number>();
    const figures = new Set<HealthFigure>();
    let probe = false;
    for (const { partition, windows: scope } of dependencies) {
      const engine = partition === null ? undefined : this.engineCauses.get(partition);
      for (const index of scope) {
        inScope.add(index);
        const engineCauses = engine?.get(index);
        if (engineCauses) {
          windows.add(index);
          partitions.add(partition!);
          for (const c of engineCauses) figures.add(c.figure);
        }
        const probeCauses = this.probeCauses.get(index);
        if (probeCauses) {
          windows.add(index);
          probe = true;
          for (const c of probeCauses) figures.add(c.figure);
        }
      }
    }
    if (windows.size === 0) return null;
    return { windows: [...windows].sort((a, b) => a - b), windowsInScope: inScope.size, partitions: [...partitions].sort((a, b) => a - b), probe, figures: [...figures] };
  }

  /**
   * The reason in words: each unhealthy part, its windows among the reason's, and its worst value
   * of each figure, e.g. `partition 0 in windows 3-5 (pacing lateness p99 45.2 ms > 25 ms); the
   * probe in window 4 (receive lag p99 80 ms > 50 ms)`.
   */
  describe(reason: InconclusiveReason): string {
    const within = new Set(reason.windows);
    return describeUnhealthy(this.result().unhealthy.filter((u) => within.has(u.index) && (u.partition === null ? reason.probe : reason.partitions.includes(u.partition))));
  }

  /** Several reasons as one (the run's message covers every inconclusive assertion). */
  static union(reasons: readonly InconclusiveReason[]): InconclusiveReason {
    const windows = new Set<number>();
    const partitions = new Set<number>();
    const figures = new Set<HealthFigure>();
    for (const r of reasons) {
      r.windows.forEach((w) => windows.add(w));
      r.partitions.forEach((p) => partitions.add(p));
      r.figures.forEach((f) => figures.add(f));
    }
    return {
      windows: [...windows].sort((a, b) => a - b),
      windowsInScope: Math.max(0, ...reasons.map((r) => r.windowsInScope)),
      partitions: [...partitions].sort((a, b) => a - b),
      probe: reasons.some((r) => r.probe),
      figures: [...figures],
    };
  }

  /** Every figure and judgement for the report. */
  result(): RunHealth {
    const unhealthy: RunHealth['unhealthy'] = [];
    for (let index = 0; index < this.windowCount; index++) {
      for (const [partition, bad] of this.engineCauses) {
        const causes = bad.get(index);
        if (causes) unhealthy.push({ index, partition, part: `partition ${partition}`, causes });
      }
      const causes = this.probeCauses.get(index);
      if (causes) unhealthy.push({ index, partition: null, part: 'probe', causes });
    }
    return {
      thresholds: this.thresholds,
      engines: this.engines,
      probe: this.probe,
      unhealthy,
      windows: this.windowCount,
      unhealthyWindows: new Set(unhealthy.map((u) => u.index)).size,
    };
  }

  /** The timeline's health fields of window `index` (the worst part's figures). */
  timelineFields(index: number): Required<Pick<TimelinePoint, 'healthLatenessMs' | 'healthEventLoopDelayMs' | 'healthCpuPercent' | 'healthReceiveLagMs' | 'healthUnhealthyParts'>> {
    let lateness: number | null = null;
    let loop: number | null = null;
    let cpu: number | null = null;
    let lag: number | null = null;
    let parts: number | null = null;
    const worst = (a: number | null, b: number | null): number | null => (b === null ? a : a === null ? b : Math.max(a, b));
    for (const engine of this.engines) {
      const w = engine.windows.find((x) => x.index === index);
      if (!w) continue;
      lateness = worst(lateness, w.latenessP99Ms);
      loop = worst(loop, w.eventLoopDelayP99Ms);
      cpu = worst(cpu, w.cpuPercent);
      parts = (parts ?? 0) + (w.causes.length > 0 ? 1 : 0);
    }
    const p = this.probe.find((x) => x.index === index);
    if (p) {
      loop = worst(loop, p.eventLoopDelayP99Ms);
      cpu = worst(cpu, p.cpuPercent);
      lag = p.receiveLagP99Ms;
      parts = (parts ?? 0) + (p.causes.length > 0 ? 1 : 0);
    }
    return { healthLatenessMs: lateness, healthEventLoopDelayMs: loop, healthCpuPercent: cpu, healthReceiveLagMs: lag, healthUnhealthyParts: parts };
  }
}

/**
 * Unhealthy windows in words, part by part (partitions first, then the probe): its windows and
 * the worst value of each figure that exceeded its limit, e.g. `partition 0 in windows 3-5, 8
 * (pacing lateness p99 45.2 ms > 25 ms, CPU 99 % of a core > 95 %); the probe in window 4
 * (receive lag p99 80 ms > 50 ms)`. Used by the verdict's messages and the reporters.
 */
export function describeUnhealthy(unhealthy: RunHealth['unhealthy']): string {
  const parts = new Map<string, { partition: number | null; windows: number[]; worst: Map<HealthFigure, HealthCause> }>();
  for (const u of unhealthy) {
    let part = parts.get(u.part);
    if (!part) parts.set(u.part, (part = { partition: u.partition, windows: [], worst: new Map() }));
    part.windows.push(u.index);
    for (const cause of u.causes) {
      const known = part.worst.get(cause.figure);
      if (!known || cause.value > known.value) part.worst.set(cause.figure, cause);
    }
  }
  return [...parts.entries()]
    .sort(([, a], [, b]) => (a.partition ?? Infinity) - (b.partition ?? Infinity))
    .map(([name, part]) => `${name === 'probe' ? 'the probe' : name} in ${windowList([...new Set(part.windows)].sort((a, b) => a - b))} (${[...part.worst.values()].map(describeCause).join(', ')})`)
    .join('; ');
}

/**
 * An inconclusive assertion's reason in short (the run's message and the generator line give the
 * windows and values): which parts, and which figures, e.g. `partitions 0, 1 and the probe:
 * pacing lateness, receive lag`.
 */
export function summarizeReason(reason: InconclusiveReason): string {
  const parts = [...(reason.partitions.length > 0 ? [`partition${reason.partitions.length === 1 ? '' : 's'} ${reason.partitions.join(', ')}`] : []), ...(reason.probe ? ['the probe'] : [])];
  return `${parts.join(' and ')}: ${reason.figures.map((f) => FIGURE_NAMES[f]).join(', ')}`;
}

const FIGURE_NAMES: Record<HealthFigure, string> = {
  pacing_lateness: 'pacing lateness',
  event_loop_delay: 'event-loop delay',
  cpu: 'CPU',
  receive_lag: 'receive lag',
  send_drops: 'packets not sent',
  kernel_drops: 'kernel drops',
};

/** `window 4`, `windows 3-5, 8`. */
export function windowList(windows: readonly number[]): string {
  const ranges: string[] = [];
  for (let i = 0; i < windows.length; i++) {
    let j = i;
    while (j + 1 < windows.length && windows[j + 1] === windows[j] + 1) j++;
    ranges.push(i === j ? String(windows[i]) : `${windows[i]}-${windows[j]}`);
    i = j;
  }
  return `window${windows.length === 1 ? '' : 's'} ${ranges.join(', ')}`;
}
