import type { Command } from 'commander';
import { compile } from '../plan/index.js';
import type { Deps } from './deps.js';
import { partitionsOption, seedOption } from './options.js';

/** `avcm plan FILE`: the compiled plan as JSON, byte-identical for the same scenario, seed and partitions. */
export function registerPlan(program: Command, deps: Deps, setExit: (code: number) => void): void {
  program
    .command('plan')
    .description('print the compiled plan as JSON: participants, partitions, ports, SSRCs, spike schedule')
    .argument('<file>', 'scenario file')
    .option('--seed <n>', 'seed for every random choice (default: the scenario seed, else derived from its name)', seedOption)
    .option('--partitions <n>', 'number of partitions (engine processes / pods)', partitionsOption)
    .action(async (file: string, options: { seed?: number; partitions?: number }) => {
      const { loadScenario } = await import('../scenario/index.js');
      const scenario = await loadScenario(file, { partitions: options.partitions }, deps.cwd);
      // Without --partitions the local default depends on this machine's cores; the plan records it.
      const plan = compile(scenario, { seed: options.seed, partitions: options.partitions });
      deps.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
      setExit(0);
    });
}
