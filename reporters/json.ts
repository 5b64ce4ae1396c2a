import type { RunResult } from '../src/result/types.js';

/** The JSON result: the run result as is, the source every other reporter renders. */
export function renderJson(result: RunResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
