import { AvcmError } from '../src/errors/index.js';
import type { RunResult } from '../src/result/types.js';
import { renderHtml } from './html/render-html.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { writeAtomically } from './write-atomically.js';

export { writeAtomically };

/** A reporter turns the run result into one file's content. */
export interface Reporter {
  name: 'json' | 'junit' | 'html';
  render(result: RunResult): string;
}

export const REPORTERS: Reporter[] = [
  { name: 'json', render: renderJson },
  { name: 'junit', render: renderJunit },
  { name: 'html', render: renderHtml },
];

/** Renders and writes every report. E_REPORT names the file that could not be written. */
export async function writeReports(result: RunResult, paths: { json: string; junit: string; html: string }): Promise<void> {
  for (const reporter of REPORTERS) {
    const file = paths[reporter.name];
    try {
      await writeAtomically(file, reporter.render(result));
    } catch (error) {
      throw new AvcmError('E_REPORT', `cannot write the ${reporter.name} report ${file}: ${(error as Error).message}`, { hint: 'check that --out-dir (or the report path) is writable', cause: error });
    }
  }
}
