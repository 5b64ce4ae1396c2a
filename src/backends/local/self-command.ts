import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packagePath } from '../../package-root.js';

/**
 * How to start another `avcm` process running this same code: the built CLI when running from
 * `dist/`, or the TypeScript sources through tsx when running from `src/` (tests, development),
 * so child processes never run stale compiled code.
 */
export function selfCommand(args: string[]): { command: string; args: string[] } {
  const runningFromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  if (runningFromSource) {
    const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return { command: process.execPath, args: ['--import', tsxLoader, packagePath('src/cli/entry.ts'), ...args] };
  }
  return { command: process.execPath, args: [packagePath('bin/avcm.js'), ...args] };
}
