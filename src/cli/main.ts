import { Command, CommanderError } from 'commander';
import { AVCM_VERSION } from '../version.js';
import { processDeps, type Deps } from './deps.js';
import { registerAgent } from './agent.js';
import { registerBench } from './bench.js';
import { registerCompare } from './compare.js';
import { registerImport } from './import.js';
import { registerManifests } from './manifests.js';
import { registerMedia } from './media.js';
import { registerPlan } from './plan.js';
import { registerReceive } from './receive.js';
import { registerRelay } from './relay.js';
import { registerSend } from './send.js';
import { registerServe } from './serve.js';
import { registerTest } from './test.js';
import { registerTrace } from './trace.js';
import { printError } from './print-error.js';
import { registerValidate } from './validate.js';

/** Builds the commander program with every verb wired to `deps`. */
export function buildProgram(deps: Deps, setExit: (code: number) => void): Command {
  const program = new Command('avcm')
    .description('Scenario-as-code test runner for video-conferencing systems: real H.264/Opus participants, network chaos, measured verdicts.')
    .version(AVCM_VERSION, '-V, --version')
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => deps.stdout.write(s), writeErr: (s) => deps.stderr.write(s) });
  registerTest(program, deps, setExit);
  registerValidate(program, deps, setExit);
  registerPlan(program, deps, setExit);
  registerCompare(program, deps, setExit);
  registerSend(program, deps, setExit);
  registerReceive(program, deps, setExit);
  registerServe(program, deps, setExit);
  registerRelay(program, deps, setExit);
  registerAgent(program, deps, setExit);
  registerBench(program, deps, setExit);
  registerMedia(program, deps, setExit);
  registerManifests(program, deps, setExit);
  registerImport(program, deps, setExit);
  registerTrace(program, deps, setExit);
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: (s) => deps.stdout.write(s), writeErr: (s) => deps.stderr.write(s) });
    command.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}

/** Runs the CLI in-process and returns the exit code (the contract's: 0 pass, 1 failed, 2 input, 3 run error). */
export async function main(argv: string[], deps: Deps = processDeps()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(deps, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; every other commander error is a usage error (2)
      return error.exitCode === 0 ? 0 : 2;
    }
    return printError(error, deps, argv.includes('--debug'));
  }
}
