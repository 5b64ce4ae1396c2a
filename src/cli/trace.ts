import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { AvcmError } from '../errors/index.js';
import type { Deps } from './deps.js';

function formatOption(value: string): 'csv' | 'json' {
  if (value !== 'csv' && value !== 'json') throw new InvalidArgumentError(`expected csv or json, found "${value}"`);
  return value;
}

/** `avcm trace export REPORT.json`: a run's network conditions as a trace a `trace` spike replays. */
export function registerTrace(program: Command, deps: Deps, setExit: (code: number) => void): void {
  const trace = program.command('trace').description('network traces for trace spikes');
  trace
    .command('export')
    .description("write a run's measured conditions (loss, delay, jitter per window; optionally bandwidth) as a trace file a trace spike replays")
    .argument('<report>', "a run's JSON report")
    .option('-o, --output <file>', 'write here instead of stdout')
    .option('--format <format>', 'csv | json (default: by the output file name, else csv)', formatOption)
    .option('--bandwidth', "also export the run's received rate per participant as the bandwidth column (a rate reached, not a capacity: a replay capped at it may lose more)")
    .action(async (report: string, options: { output?: string; format?: 'csv' | 'json'; bandwidth?: boolean }) => {
      const [{ readRunResult }, { formatTraceCsv, formatTraceJson, traceFromResult }, { writeAtomically }, path] = await Promise.all([
        import('../result/index.js'),
        import('../trace/index.js'),
        import('../../reporters/write-atomically.js'),
        import('node:path'),
      ]);
      const result = await readRunResult(report, deps.cwd);
      if (result.timeline.length === 0) throw new AvcmError('E_USAGE', `${report} has no timeline: the run measured nothing to export`);
      const timeline = traceFromResult(result, { bandwidth: options.bandwidth });
      const format = options.format ?? (options.output?.endsWith('.json') ? 'json' : 'csv');
      const source = `exported by avcm trace export from ${report} (scenario ${result.scenario}, ${result.startedAt}, ${result.participants} participants): per ${timeline.tMs.length > 1 ? timeline.tMs[1] - timeline.tMs[0] : 1000} ms, wire loss, mean one-way delay, RFC 3550 jitter as the sigma of the delay (J * sqrt(pi) / 2)${options.bandwidth ? ', received kbit/s per participant' : ''}`;
      const text = format === 'json' ? formatTraceJson(timeline, source) : formatTraceCsv(timeline, source);
      if (!options.output) {
        deps.stdout.write(text);
      } else {
        const target = path.resolve(deps.cwd, options.output);
        try {
          await writeAtomically(target, text);
        } catch (error) {
          throw new AvcmError('E_REPORT', `cannot write the trace ${options.output}: ${(error as Error).message}`, { cause: error });
        }
        deps.stderr.write(`avcm: wrote ${timeline.tMs.length} rows (${(timeline.periodMs / 1000).toFixed(0)} s) to ${options.output}\n`);
      }
      setExit(0);
    });
}
