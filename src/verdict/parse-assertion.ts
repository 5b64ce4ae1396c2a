import type { Op, Stat } from '../result/types.js';

export interface ParsedExpression {
  stat: Stat;
  op: Op;
  threshold: number;
}

const EXPRESSION = /^\s*(avg|min|max|p50|p90|p95|p99)\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/**
 * Parses a k6-style assertion "STAT OP NUMBER" (e.g. `p95 < 5`). Called once per assertion at
 * validation; returns an error text quoting the expression when it does not parse.
 */
export function parseExpression(expression: string): ParsedExpression | { error: string } {
  const match = EXPRESSION.exec(expression);
  if (!match) {
    return {
      error: `cannot parse assertion "${expression}": expected "STAT OP NUMBER" with STAT one of avg min max p50 p90 p95 p99 and OP one of < <= > >= ==`,
    };
  }
  return { stat: match[1] as Stat, op: match[2] as Op, threshold: Number(match[3]) };
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
