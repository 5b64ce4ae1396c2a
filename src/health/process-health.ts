import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';

/** The event-loop monitor's timer period, ms: what it records beyond this is delay. */
const LOOP_RESOLUTION_MS = 10;

/** A process's figures over one window (see `ProcessHealthSampler.sample`). */
export interface ProcessWindowFigures {
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  cpuPercent: number;
}

/**
 * The event-loop delay and CPU share of this process, window by window: `sample` returns the
 * figures since the previous `sample` (or since construction) and starts the next window. The
 * monitor records the whole period between its timer's runs; the delay is what exceeds the
 * timer's own 10 ms. `sinceStart` reads a second monitor that is never reset (the run's
 * cumulative delay, for the processes' totals: an event-loop histogram cannot be added to another).
 * One per engine process and per probe; `close` stops the monitor (idempotent).
 */
export class ProcessHealthSampler {
  private readonly loop: IntervalHistogram;
  private readonly cumulative: IntervalHistogram;
  private cpu = process.cpuUsage();
  private wallMs = performance.now();
  private closed = false;

  constructor() {
    this.loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.loop.enable();
    this.cumulative = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.cumulative.enable();
  }

  /** The figures since the last call; called once per window. */
  sample(): ProcessWindowFigures {
    const nowMs = performance.now();
    const cpu = process.cpuUsage(this.cpu);
    this.cpu = process.cpuUsage();
    const wallMs = nowMs - this.wallMs;
    this.wallMs = nowMs;
    const figures = {
      eventLoopDelayP99Ms: delayMs(this.loop.count > 0 ? this.loop.percentile(99) : 0),
      eventLoopDelayMaxMs: delayMs(this.loop.count > 0 ? this.loop.max : 0),
      cpuPercent: wallMs > 0 ? round((100 * (cpu.user + cpu.system)) / 1000 / wallMs) : 0,
    };
    this.loop.reset();
    return figures;
  }

  /** Event-loop delay since the sampler started, ms. */
  sinceStart(): { p99Ms: number; maxMs: number } {
    const all = this.cumulative;
    return { p99Ms: all.count > 0 ? delayMs(all.percentile(99)) : 0, maxMs: all.count > 0 ? delayMs(all.max) : 0 };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.loop.disable();
    this.cumulative.disable();
  }
}

/** A recorded period (ns) as the delay beyond the monitor's own timer period, ms. */
function delayMs(periodNs: number): number {
  return round(Math.max(0, periodNs / 1e6 - LOOP_RESOLUTION_MS));
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
