import { rm } from 'node:fs/promises';
import path from 'node:path';
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

export type ReportPaths = { json: string; junit: string; html: string };

/** Thrown by {@link writeReports}: E_REPORT, with the reports that were and were not written. */
export class ReportWriteError extends AvcmError {
  constructor(
    message: string,
    hint: string,
    /** Reports written in full (the others do not exist: not even an earlier run's). */
    readonly written: Reporter['name'][],
    readonly unwritten: Reporter['name'][],
    cause: unknown,
  ) {
    super('E_REPORT', message, { hint, cause });
  }
}

/** What to do about a write error, by its errno: a full disk, a read-only or foreign folder, a file in the way. */
function hintFor(error: NodeJS.ErrnoException, folder: string): string {
  switch (error.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `the disk holding ${folder} is full (or over quota): free some space, or choose another --out-dir`;
    case 'EROFS':
      return `${folder} is on a read-only file system: choose another --out-dir`;
    case 'EACCES':
    case 'EPERM':
      return `this user may not write into ${folder}: fix its permissions, or choose another --out-dir`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `a part of ${folder} is a file, not a folder: choose another --out-dir`;
    default:
      return 'check that --out-dir (or the report path) is writable';
  }
}

/**
 * Renders and writes every report, each atomically (never half a file). A report that cannot be
 * written is also removed from its path if an earlier run left one there, so a CI step never
 * reads an old verdict as this run's; the others are still written. Throws one
 * {@link ReportWriteError} (E_REPORT) naming what was not written and why.
 */
export async function writeReports(result: RunResult, paths: ReportPaths): Promise<void> {
  const written: Reporter['name'][] = [];
  const failed: { name: Reporter['name']; file: string; error: NodeJS.ErrnoException; earlier: 'none' | 'removed' | 'kept' }[] = [];
  for (const reporter of REPORTERS) {
    const file = paths[reporter.name];
    try {
      await writeAtomically(file, reporter.render(result));
      written.push(reporter.name);
    } catch (error) {
      const earlier = await rm(file).then(
        () => 'removed' as const,
        (removal: NodeJS.ErrnoException) => (removal.code === 'ENOENT' || removal.code === 'ENOTDIR' ? ('none' as const) : ('kept' as const)),
      );
      failed.push({ name: reporter.name, file, error: error as NodeJS.ErrnoException, earlier });
    }
  }
  if (failed.length === 0) return;
  const first = failed[0];
  const reasons = [...new Set(failed.map((f) => f.error.message))].join('; ');
  const removed = failed.filter((f) => f.earlier === 'removed').map((f) => f.file);
  const kept = failed.filter((f) => f.earlier === 'kept').map((f) => f.file);
  const message =
    `cannot write the ${failed.map((f) => f.name).join(' and ')} report${failed.length === 1 ? '' : 's'} (${failed.map((f) => f.file).join(', ')}): ${reasons}` +
    (written.length > 0 ? `; written: ${written.map((name) => paths[name]).join(', ')}` : '') +
    (removed.length > 0 ? `; removed an earlier run's ${removed.join(', ')} so it is not read as this run's` : '') +
    (kept.length > 0 ? `; ${kept.join(', ')} could not be removed and is an EARLIER run's report, not this run's` : '');
  throw new ReportWriteError(message, hintFor(first.error, path.dirname(first.file)), written, failed.map((f) => f.name), first.error);
}
