import type { Op } from '../result/types.js';
import type { BaselineLimit } from '../scenario/assertion-expression.js';

/** The limit of a relative assertion for a baseline value B: factor × B + offset (rounded like measured values). */
export function resolveBaselineLimit(limit: BaselineLimit, baselineValue: number): number {
  return Math.round((limit.factor * baselineValue + limit.offset) * 1e6) / 1e6;
}

/** The limit as written after the operator, e.g. `baseline * 1.2 + 0.5` (for names and messages). */
export function formatBaselineLimit(limit: BaselineLimit): string {
  const factor = limit.factor === 1 ? '' : ` * ${limit.factor}`;
  const offset = limit.offset === 0 ? '' : ` ${limit.offset < 0 ? '-' : '+'} ${Math.abs(limit.offset)}`;
  return `baseline${factor}${offset}`;
}

/** Applies the comparison of an assertion to a measured value. */
export function compare(measured: number, op: Op, threshold: number): boolean {
  switch (op) {
    case '<':
      return measured < threshold;
    case '<=':
      return measured <= threshold;
    case '>':
      return measured > threshold;
    case '>=':
      return measured >= threshold;
    case '==':
      // Measured values are floats; equal within a millionth of the threshold's magnitude.
      return Math.abs(measured - threshold) <= 1e-6 * Math.max(1, Math.abs(threshold));
  }
}
