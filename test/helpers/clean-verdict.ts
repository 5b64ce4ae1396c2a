import { expect } from 'vitest';
import type { RunResult } from '../../src/result/types.js';

/**
 * What a clean run may end in: passed (exit 0), or, on a machine too busy for the load generator
 * to keep its schedule, inconclusive (exit 3, E_GENERATOR_OVERLOAD); never failed. Returns true
 * when it was judged (passed): only then do the measured figures describe the path under test.
 */
export function expectCleanVerdict(code: number | null, result: RunResult, output: string): boolean {
  if (result.status === 'inconclusive') {
    expect(code, output).toBe(3);
    expect(result.errorCode).toBe('E_GENERATOR_OVERLOAD');
    expect(result.assertions.every((a) => a.passed || a.inconclusive !== undefined), output).toBe(true);
    return false;
  }
  expect(code, output).toBe(0);
  expect(result.status).toBe('passed');
  return true;
}
