import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { DelayHistogram } from './delay-histogram.js';

/** The loop timers' period, ms: what passes between two of their runs beyond this is delay. */
const LOOP_RESOLUTION_MS = 10;

/** A process's figures over one window (see `ProcessHealthSampler.sample`). */
export interface ProcessWindowFigures {
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  cpuPercent: number;
}

/**
 * The event-loop delay and CPU share of this process, window by window: `sample` returns the
 * figures since the previous `sample` (or since construction) and starts the next window.
 *
 * Per window the delay is measured as `perf_hooks.monitorEventLoopDelay` measures it (a 10 ms
 * timer; what passes between its runs beyond 10 ms), but by a timer of our own: the monitor's
 * `reset()` forgets when its timer last ran, so a stall just after a window's end, or one across
 * it (the window's own timer runs late, before the monitor's), would vanish from both windows.
 * Here `sample` also counts the stall in progress. `sinceStart` reads the monitor itself, never
 * reset (the run's cumulative delay for the processes' totals: an event-loop histogram cannot be
 * added to another). One per engine process and per probe; `close` stops both (idempotent).
 */
export class ProcessHealthSampler {
  private readonly cumulative: IntervalHistogram;
  private readonly window = new DelayHistogram();
  private readonly loopTimer: NodeJS.Timeout;
  private lastLoopMs = performance.now();
  private cpu = process.cpuUsage();
  private wallMs = performance.now();
  private closed = false;

  constructor() {
    this.cumulative = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.cumulative.enable();
    this.loopTimer = setInterval(() => this.recordLoop(performance.now()), LOOP_RESOLUTION_MS);
    // Measuring must never keep a process alive.
    this.loopTimer.unref();
  }

  private recordLoop(nowMs: number): void {
    this.window.record(nowMs - this.lastLoopMs - LOOP_RESOLUTION_MS);
    this.lastLoopMs = nowMs;
  }

  /** The figures since the last call; called once per window. */
  sample(): ProcessWindowFigures {
    const nowMs = performance.now();
    // The loop timer has not run since a stall that ended just now: that stall is this window's.
    if (nowMs - this.lastLoopMs > LOOP_RESOLUTION_MS) this.recordLoop(nowMs);
    const cpu = process.cpuUsage(this.cpu);
    this.cpu = process.cpuUsage();
    const wallMs = nowMs - this.wallMs;
    this.wallMs = nowMs;
    const loop = this.window.take();
    return {
      eventLoopDelayP99Ms: loop.p99Ms ?? 0,
      eventLoopDelayMaxMs: loop.maxMs ?? 0,
      cpuPercent: wallMs > 0 ? round((100 * (cpu.user + cpu.system)) / 1000 / wallMs) : 0,
    };
  }

  /** Event-loop delay since the sampler started, ms (`monitorEventLoopDelay`). */
  sinceStart(): { p99Ms: number; maxMs: number } {
    const all = this.cumulative;
    return { p99Ms: all.count > 0 ? delayMs(all.percentile(99)) : 0, maxMs: all.count > 0 ? delayMs(all.max) : 0 };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.loopTimer);
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
