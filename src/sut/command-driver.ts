import { spawn } from 'node:child_process';
import path from 'node:path';
import type { SutSpec } from '../plan/types.js';
import type { SutAction, SutActionOutcome, SutDriver } from './types.js';

/** What a report keeps of a command's output: its end, where the error usually is. */
export const OUTPUT_TAIL_CHARS = 2_000;
/** After a command exits, how long its output may still drain (a daemon it started may hold the pipes open). */
const DRAIN_MS = 200;

type CommandSpec = Extract<SutSpec, { driver: 'command' }>;

/** One command's run: exit code (null when killed), the tail of stdout and stderr interleaved, and whether the timeout killed it. */
export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  timedOut: boolean;
  /** The command could not be started at all (spawn error). */
  spawnError: string | null;
}

/**
 * Runs `command` with `sh -c` in its own process group, bounded by `timeoutMs` (then the whole
 * group is killed: a command may have started children). Returns once the shell exited; a daemon
 * it started in the background keeps running (that is how a `start` command brings a SUT up) and
 * may keep the output pipes: they are read for DRAIN_MS more, then let go.
 */
export function runCommand(command: string, options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<CommandResult> {
  return new Promise((resolve) => {
    let output = '';
    const keep = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.length > 4 * OUTPUT_TAIL_CHARS) output = output.slice(-OUTPUT_TAIL_CHARS);
    };
    let timedOut = false;
    let settled = false;
    const child = spawn('sh', ['-c', command], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const finish = (result: Omit<CommandResult, 'output' | 'timedOut'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve({ ...result, output: output.slice(-OUTPUT_TAIL_CHARS), timedOut });
      }, result.spawnError ? 0 : DRAIN_MS).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (error) => finish({ exitCode: null, signal: null, spawnError: error.message }));
    child.on('exit', (code, signal) => finish({ exitCode: code, signal, spawnError: null }));
  });
}

/**
 * The `command` driver: the scenario's shell commands for each action, run in `cwd` (default the
 * scenario file's folder) with AVCM_SUT_ACTION, AVCM_SPIKE_ID and AVCM_SPIKE_TYPE in their
 * environment. sut_restart runs `restart`, or `stop` then `start`; sut_kill runs `kill`, or `stop`.
 * A command that exits non-zero or outlives the timeout is a failed action (E_SUT_ACTION_FAILED in
 * the record), never an exception.
 */
export class CommandDriver implements SutDriver {
  readonly name = 'command';
  private readonly cwd: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly spec: CommandSpec,
    options: { baseDir: string; env: NodeJS.ProcessEnv },
  ) {
    this.cwd = spec.cwd ? path.resolve(options.baseDir, spec.cwd) : options.baseDir;
    this.env = options.env;
  }

  /** Whether the scenario gave commands for `action` (`start` decides whether a sut_kill's end brings the SUT back). */
  supports(action: SutAction): boolean {
    return this.commandsFor(action) !== null;
  }

  private commandsFor(action: SutAction): { name: string; command: string }[] | null {
    const s = this.spec;
    const one = (name: string, command: string | null) => (command ? [{ name, command }] : null);
    switch (action) {
      case 'restart':
        return one('restart', s.restart) ?? (s.stop && s.start ? [{ name: 'stop', command: s.stop }, { name: 'start', command: s.start }] : null);
      case 'kill':
        return one('kill', s.kill) ?? one('stop', s.stop);
      default:
        return one(action, s[action]);
    }
  }

  async run(action: SutAction, context: { spikeId: string; spikeType: string }): Promise<SutActionOutcome> {
    const commands = this.commandsFor(action);
    if (!commands) return { ok: false, exitCode: null, output: '', detail: action, error: `the sut command driver has no command for ${action}` };
    const env = { ...this.env, AVCM_SUT_ACTION: action, AVCM_SPIKE_ID: context.spikeId, AVCM_SPIKE_TYPE: context.spikeType };
    const deadline = Date.now() + this.spec.timeoutMs;
    let output = '';
    let exitCode: number | null = null;
    for (const { name, command } of commands) {
      const result = await runCommand(command, { cwd: this.cwd, env, timeoutMs: Math.max(1, deadline - Date.now()) });
      output = (output ? `${output}\n` : '') + result.output;
      exitCode = result.exitCode;
      const detail = commands.map((c) => c.command).join(' ; ');
      const failure = result.spawnError
        ? `${name} command could not be started: ${result.spawnError}`
        : result.timedOut
          ? `${name} command did not finish within ${this.spec.timeoutMs / 1000}s and was killed`
          : result.exitCode !== 0
            ? `${name} command exited with ${result.exitCode ?? `signal ${result.signal}`}`
            : null;
      if (failure) return { ok: false, exitCode, output: output.slice(-OUTPUT_TAIL_CHARS), detail, error: failure };
    }
    return { ok: true, exitCode, output: output.slice(-OUTPUT_TAIL_CHARS), detail: commands.map((c) => c.command).join(' ; '), error: null };
  }

  async close(): Promise<void> {}
}
