import type { PlannedSpike } from '../plan/types.js';

/**
 * How long after its end a spike can still hold packets back, ms: a jitter spike's base + 3σ, a
 * bandwidth queue's bound, a trace's bound plus its largest delay + 3σ. Windows that close to a
 * spike belong to no baseline.
 */
export function spikeTailMs(spike: PlannedSpike): number {
  const p = spike.params;
  if (spike.type === 'bandwidth_limit') return p.queueMs ?? 0;
  if (spike.type === 'trace') {
    const trace = spike.trace;
    let held = 0;
    if (trace?.kind === 'timeline') {
      for (let i = 0; i < trace.tMs.length; i++) held = Math.max(held, (trace.delayMs[i] ?? 0) + 3 * (trace.jitterMs[i] ?? 0));
    }
    return (p.queueMs ?? 0) + held;
  }
  return (p.baseLatencyMs ?? 0) + 3 * (p.jitterStdDevMs ?? 0);
}
