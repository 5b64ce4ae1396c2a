import type { EngineHealthWindow, HealthCause, HealthFigure, HealthThresholds, ProbeHealthWindow } from './types.js';

/** Why an engine's window was unhealthy (empty: healthy). Each figure above its limit is a cause. */
export function engineWindowCauses(w: EngineHealthWindow, t: HealthThresholds): HealthCause[] {
  const causes: HealthCause[] = [];
  over(causes, 'pacing_lateness', w.latenessP99Ms, t.pacingLatenessMs);
  over(causes, 'event_loop_delay', w.eventLoopDelayP99Ms, t.eventLoopDelayMs);
  over(causes, 'cpu', w.cpuPercent, t.cpuPercent);
  over(causes, 'send_drops', w.sendDropped, t.sendDrops);
  return causes;
}

/**
 * Why the probe's window was unhealthy (empty: healthy). Kernel drops are judged only where they
 * are the probe socket's own (SO_RXQ_OVFL, batched I/O): the machine's RcvbufErrors also count the
 * system under test's sockets and every other program's, so they are reported, never judged.
 */
export function probeWindowCauses(w: ProbeHealthWindow, t: HealthThresholds): HealthCause[] {
  const causes: HealthCause[] = [];
  over(causes, 'receive_lag', w.receiveLagP99Ms, t.receiveLagMs);
  over(causes, 'event_loop_delay', w.eventLoopDelayP99Ms, t.eventLoopDelayMs);
  over(causes, 'cpu', w.cpuPercent, t.cpuPercent);
  over(causes, 'kernel_drops', w.kernelDrops, t.kernelDrops);
  return causes;
}

function over(causes: HealthCause[], figure: HealthFigure, value: number | null, limit: number): void {
  if (value !== null && value > limit) causes.push({ figure, value, limit });
}

/** A cause in words, with units: `pacing lateness p99 45.2 ms > 25 ms`. */
export function describeCause(cause: HealthCause): string {
  const { value, limit } = cause;
  switch (cause.figure) {
    case 'pacing_lateness':
      return `pacing lateness p99 ${fmt(value)} ms > ${fmt(limit)} ms`;
    case 'event_loop_delay':
      return `event-loop delay p99 ${fmt(value)} ms > ${fmt(limit)} ms`;
    case 'cpu':
      return `CPU ${fmt(value)} % of a core > ${fmt(limit)} %`;
    case 'receive_lag':
      return `receive lag p99 ${fmt(value)} ms > ${fmt(limit)} ms`;
    case 'send_drops':
      return `${value} packets not sent (full send buffer) > ${limit}`;
    case 'kernel_drops':
      return `${value} datagrams dropped by the kernel at the probe > ${limit}`;
  }
}

function fmt(value: number): string {
  return String(Math.round(value * 10) / 10);
}
