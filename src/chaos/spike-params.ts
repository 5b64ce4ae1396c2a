import { AvcmError } from '../errors/index.js';
import type { PlannedSpike, SpikeParams } from '../plan/types.js';

type NumericParam = { [K in keyof SpikeParams]-?: SpikeParams[K] extends number | undefined ? K : never }[keyof SpikeParams];

/**
 * Reads one numeric parameter of a spike when its stage is built (never per packet). A missing
 * optional value takes `fallback` (the scenario defaults: a hand-written plan may omit it); a
 * missing required one (`fallback` undefined) or a value outside the range is a broken plan, and
 * running with it would silently measure something else, so it is refused with a typed error.
 */
export function spikeParam(spike: PlannedSpike, name: NumericParam, fallback: number | undefined, min: number, max = Infinity, minExclusive = false): number {
  const value = spike.params[name] ?? fallback;
  if (value === undefined) {
    throw new AvcmError('E_SCENARIO', `spike ${spike.id} (${spike.type}) has no ${name}`, { hint: `give the ${spike.type} spike its parameters in the scenario (or the live spike request)` });
  }
  const tooLow = minExclusive ? !(value > min) : !(value >= min);
  if (!Number.isFinite(value) || tooLow || value > max) {
    const range = `${minExclusive ? '(' : '['}${min}, ${max === Infinity ? '∞)' : `${max}]`}`;
    throw new AvcmError('E_SCENARIO', `spike ${spike.id} (${spike.type}): ${name} must be a number in ${range}, found ${String(value)}`, {
      hint: `fix the ${spike.type} spike's parameters in the scenario (or the live spike request)`,
    });
  }
  return value;
}

/** A percent parameter (0..100) as a probability (0..1). */
export function spikeShare(spike: PlannedSpike, name: NumericParam, fallback?: number): number {
  return spikeParam(spike, name, fallback, 0, 100) / 100;
}
