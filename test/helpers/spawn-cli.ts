import { spawn, type ChildProcess } from 'node:child_process';
import { selfCommand } from '../../src/backends/local/self-command.js';

export interface SpawnedCli {
  child: ChildProcess;
  /** What it printed so far (stdout + stderr). */
  output(): string;
  /** Settles when the process exits, with everything it printed. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Runs `avcm ARGS...` as a real process (from the TypeScript sources), for signals and exit codes. */
export function spawnCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): SpawnedCli {
  const { command, args: full } = selfCommand(args);
  const child = spawn(command, full, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, done, output: () => stdout + stderr };
}
