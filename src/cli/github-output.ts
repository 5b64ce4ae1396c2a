import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { RunResult } from '../result/types.js';
import type { Problem } from '../scenario/types.js';
import type { Deps } from './deps.js';

/** `--summary`: where a run's summary goes besides the terminal. */
export type SummaryKind = 'github' | 'none';

/** commander parser of `--summary`: github or none; anything else is a usage error. */
export function summaryOption(value: string): SummaryKind {
  if (value !== 'github' && value !== 'none') throw new InvalidArgumentError(`expected github or none, found "${value}"`);
  return value;
}

/** `--summary` as given, else `github` inside GitHub Actions (GITHUB_ACTIONS=true), else none. */
export function summaryKind(option: SummaryKind | undefined, env: NodeJS.ProcessEnv): SummaryKind {
  return option ?? (env.GITHUB_ACTIONS === 'true' ? 'github' : 'none');
}

/**
 * For GitHub Actions, after each run: appends the job summary (Markdown) to $GITHUB_STEP_SUMMARY
 * and prints an `::error file=...,line=...` annotation per failing assertion, pointing at its
 * line in the scenario file. Without $GITHUB_STEP_SUMMARY only the annotations are printed (and
 * a note says why there is no summary).
 */
export async function announceRun(result: RunResult, files: { json: string; junit: string; html: string }, deps: Deps): Promise<void> {
  const { renderAnnotations, renderJobSummary } = await import('../../reporters/github/index.js');
  const paths = { cwd: deps.cwd, workspace: deps.env.GITHUB_WORKSPACE };
  for (const line of renderAnnotations(result, paths)) deps.stdout.write(`${line}\n`);
  const summaryFile = deps.env.GITHUB_STEP_SUMMARY;
  if (!summaryFile) {
    deps.stderr.write('avcm: note: GITHUB_STEP_SUMMARY is not set; no job summary written\n');
    return;
  }
  const shown = (file: string): string => path.relative(deps.cwd, file) || file;
  try {
    await appendFile(summaryFile, renderJobSummary(result, { json: shown(files.json), junit: shown(files.junit), html: shown(files.html) }));
  } catch (error) {
    deps.stderr.write(`avcm: cannot append the job summary to ${summaryFile}: ${(error as Error).message}\n`);
  }
}

/** Problems that stopped anything from running, as annotations on their lines. */
export async function announceProblems(problems: readonly Problem[], deps: Deps): Promise<void> {
  const { errorCommand, workspacePath } = await import('../../reporters/github/index.js');
  const paths = { cwd: deps.cwd, workspace: deps.env.GITHUB_WORKSPACE };
  for (const p of problems) deps.stdout.write(`${errorCommand(`${p.path} ${p.message}`, { file: workspacePath(p.file, paths), line: p.line, col: p.column, title: 'avcm: invalid scenario' })}\n`);
}
