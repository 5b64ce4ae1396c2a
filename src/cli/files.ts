import { stat } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { AvcmError } from '../errors/index.js';
import { isScenarioFile } from '../scenario/load.js';

/**
 * Expands the FILES arguments of `test`/`validate`: plain paths, folders (their scenario files) and
 * glob patterns (for shells that do not expand them), in argument order, without duplicates.
 */
export async function expandScenarioArgs(args: string[], cwd: string): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    const absolute = path.resolve(cwd, arg);
    const info = await stat(absolute).catch(() => null);
    let matches: string[];
    if (info?.isDirectory()) {
      matches = (await glob(['*.{yaml,yml,json,ts}'], { cwd: absolute, absolute: true })).sort();
    } else if (info) {
      matches = [absolute];
    } else if (/[*?[\]{}]/.test(arg)) {
      matches = (await glob([arg], { cwd, absolute: true })).filter(isScenarioFile).sort();
      if (matches.length === 0) throw new AvcmError('E_USAGE', `no scenario files match "${arg}"`);
    } else {
      throw new AvcmError('E_USAGE', `no such file: ${arg}`, { hint: 'pass scenario files (*.yaml, *.yml, *.json, *.ts), folders or globs' });
    }
    for (const match of matches) {
      const relative = path.relative(cwd, match) || match;
      if (!files.includes(relative)) files.push(relative);
    }
  }
  return files;
}
