import type { Op, Stat } from '../result/types.js';

/**
 * A limit relative to a baseline run (`avcm test --baseline`): limit = factor × B + offset, where
 * B is the same stat of the same metric in the same scope of the baseline run's report.
 */
export interface BaselineLimit {
  factor: number;
  offset: number;
}

/** An assertion expression taken apart: the stat, the operator and the limit. */
export interface ParsedExpression {
  stat: Stat;
  op: Op;
  /** The fixed limit; for a baseline-relative assertion this is 0 and `relative` holds the limit. */
  threshold: number;
  /** Set when the limit names `baseline`. */
  relative: BaselineLimit | null;
}

const NUMBER = String.raw`\d+(?:\.\d+)?`;
/**
 * `STAT OP LIMIT`, LIMIT = NUMBER | baseline [* FACTOR] [(+|-) OFFSET]. The schema's pattern for
 * assertion strings is this same language (a test keeps the two in step).
 */
const EXPRESSION = new RegExp(
  String.raw`^\s*(avg|min|max|p50|p90|p95|p99)\s*(<=|>=|==|<|>)\s*(?:(-?${NUMBER})|baseline(?:\s*\*\s*(${NUMBER}))?(?:\s*([+-])\s*(${NUMBER}))?)\s*$`,
);

/** What a well-formed expression looks like, for messages and the schema's `x-expected`. */
export const EXPRESSION_FORM =
  'an expression "STAT OP LIMIT" with STAT one of avg min max p50 p90 p95 p99, OP one of < <= > >= ==, and LIMIT a number or `baseline`, optionally `* FACTOR` and `+ OFFSET` or `- OFFSET` (e.g. "avg >= baseline - 0.1")';

/**
 * Parses a k6-style assertion "STAT OP LIMIT" (e.g. `p95 < 5`, `avg >= baseline - 0.1`,
 * `p95 <= baseline * 1.2 + 0.5`). Called once per assertion at validation; returns an error text
 * quoting the expression when it does not parse.
 */
export function parseExpression(expression: string): ParsedExpression | { error: string } {
  const match = EXPRESSION.exec(expression);
  if (!match) return { error: `cannot parse assertion "${expression}": expected ${EXPRESSION_FORM}` };
  const stat = match[1] as Stat;
  const op = match[2] as Op;
  if (match[3] !== undefined) return { stat, op, threshold: Number(match[3]), relative: null };
  const factor = match[4] === undefined ? 1 : Number(match[4]);
  const offset = match[6] === undefined ? 0 : (match[5] === '-' ? -1 : 1) * Number(match[6]);
  return { stat, op, threshold: 0, relative: { factor, offset } };
}
