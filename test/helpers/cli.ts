import { main } from '../../src/cli/main.js';
import type { Deps } from '../../src/cli/deps.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output (k6's cmd/state pattern). */
export async function runCli(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const deps: Deps = {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: options.env ?? { ...process.env },
    cwd: options.cwd ?? process.cwd(),
    onInterrupt: () => () => undefined,
  };
  const code = await main(argv, deps);
  return { code, stdout, stderr };
}
