import type { Command } from 'commander';
import type { Deps } from './deps.js';
import { expandScenarioArgs } from './files.js';
import { partitionsOption } from './options.js';

/** `avcm validate FILES...`: schema + semantic checks only; every problem of every file. */
export function registerValidate(program: Command, deps: Deps, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description('check scenarios (schema and semantics) without running anything; prints every problem')
    .argument('<files...>', 'scenario files, folders or globs')
    .option('--partitions <n>', 'check ports for this many partitions', partitionsOption)
    .action(async (args: string[], options: { partitions?: number }) => {
      const { formatDuration, formatProblem, loadScenarioFile, validateLoaded } = await import('../scenario/index.js');
      const files = await expandScenarioArgs(args, deps.cwd);
      let problems = 0;
      for (const file of files) {
        const result = validateLoaded(await loadScenarioFile(file, deps.cwd), { partitions: options.partitions });
        for (const problem of result.problems) deps.stderr.write(`${formatProblem(problem)}\n`);
        problems += result.problems.length;
        if (result.scenario) {
          const s = result.scenario;
          const events = s.spikes.reduce((sum, spike) => sum + spike.count, 0);
          deps.stdout.write(
            `ok ${file}: ${s.name}, ${s.participants.count} participants, ${formatDuration(s.durationMs)}, ${events} spike event${events === 1 ? '' : 's'}, ${s.assertions.length} assertion${s.assertions.length === 1 ? '' : 's'}\n`,
          );
        }
      }
      if (problems > 0) deps.stderr.write(`avcm: ${problems} problem${problems === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}\n`);
      setExit(problems > 0 ? 2 : 0);
    });
}
