import path from 'node:path';
import type { RunResult } from '../../src/result/types.js';
import { limitText, worstText } from '../assertion-text.js';
import { errorCommand, warningCommand } from './workflow-commands.js';

/**
 * Where annotations point: GitHub resolves `file=` against the repository root (the workspace),
 * while avcm knows files relative to its working directory; this maps one to the other.
 */
export interface AnnotationPaths {
  cwd: string;
  /** GITHUB_WORKSPACE, when set. */
  workspace?: string;
}

/** A file as the workspace names it (forward slashes), or as given when it lies outside. */
export function workspacePath(file: string, paths: AnnotationPaths): string {
  const absolute = path.resolve(paths.cwd, file);
  const relative = path.relative(paths.workspace ?? paths.cwd, absolute);
  return (relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative).split(path.sep).join('/');
}

/**
 * The `::error` annotations of a run, one per failing assertion at its line in the scenario file
 * (GitHub shows them on the file in the pull request), and one for a run that broke or was
 * interrupted. Messages say measured vs limit and the worst streams. An inconclusive assertion
 * (the load generator was overloaded) is a `::warning` at its line, saying why it was not judged.
 */
export function renderAnnotations(result: RunResult, paths: AnnotationPaths): string[] {
  const lines: string[] = [];
  const scenarioFile = result.file ? workspacePath(result.file, paths) : undefined;
  if (result.status === 'error' || result.status === 'aborted') {
    lines.push(errorCommand(`${result.scenario}: the run ${result.status === 'error' ? 'failed' : 'was interrupted'}: ${result.errorMessage ?? result.status}`, { file: scenarioFile, title: `avcm: ${result.scenario} ${result.status}` }));
  }
  for (const a of result.assertions) {
    if (a.passed || a.skipped) continue;
    const where = a.location ? { file: workspacePath(a.location.file, paths), line: a.location.line, col: a.location.column } : { file: scenarioFile };
    if (a.inconclusive) {
      lines.push(warningCommand(`${a.name}: ${a.message}`, { ...where, title: `avcm: ${result.scenario} inconclusive (E_GENERATOR_OVERLOAD)` }));
      continue;
    }
    const message = [`${a.name}: ${a.message} (limit ${limitText(a)})`, worstText(a)].filter(Boolean).join('; ');
    lines.push(errorCommand(message, { ...where, title: `avcm: ${result.scenario} failed` }));
  }
  return lines;
}
