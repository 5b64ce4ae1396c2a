import { AvcmError } from '../errors/index.js';
import type { PlannedSpike } from '../plan/types.js';
import type { NetworkTrace } from '../trace/types.js';

/** The trace a `trace` spike replays, checked once when its stage is built (never per packet). */
export function traceOf<K extends NetworkTrace['kind']>(spike: PlannedSpike, kind: K): Extract<NetworkTrace, { kind: K }> {
  const trace = spike.trace;
  if (!trace || trace.kind !== kind || !(trace.periodMs > 0)) {
    throw new AvcmError('E_SCENARIO', `spike ${spike.id} (trace) carries no ${kind} trace`, { hint: 'trace spikes come from a scenario file whose trace file was read at validation; recompile the plan from the scenario' });
  }
  return trace as Extract<NetworkTrace, { kind: K }>;
}
