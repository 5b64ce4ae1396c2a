import path from 'node:path';
import type { Command } from 'commander';
import { AvcmError } from '../errors/index.js';
import type { Stat } from '../result/types.js';
import type { Deps } from './deps.js';

interface CompareOptions {
  html?: string;
  markdown?: string;
  json?: string;
  threshold: string[];
  stats: string;
  quiet?: boolean;
}

const STATS: readonly Stat[] = ['avg', 'min', 'max', 'p50', 'p90', 'p95', 'p99'];

/**
 * `avcm compare OLD.json NEW.json`: every metric per scope of two runs side by side with its
 * change; exit 1 when a metric got worse past its threshold (or the new run did not complete).
 */
export function registerCompare(program: Command, deps: Deps, setExit: (code: number) => void): void {
  program
    .command('compare')
    .description('compare two runs (their JSON reports): every metric per scope side by side, regressions past a threshold fail (exit 1)')
    .argument('<old>', 'the earlier run\'s JSON report (e.g. the last release)')
    .argument('<new>', 'the run to judge')
    .option('--html <file>', 'write an HTML page with both timelines overlaid and the table')
    .option('--markdown <file>', 'write the comparison as Markdown (a PR comment, a job summary)')
    .option('--json <file>', 'write the comparison as JSON')
    .option('--threshold <spec>', 'N% for every metric (default 10% and a noise floor per metric), or METRIC=N / METRIC=N% (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--stats <list>', 'stats to compare, comma-separated', 'avg,p95')
    .option('--quiet', 'print only the verdict and the regressions')
    .action(async (oldFile: string, newFile: string, options: CompareOptions) => {
      const stats = options.stats.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = stats.filter((s) => !STATS.includes(s as Stat));
      if (stats.length === 0 || unknown.length > 0) throw new AvcmError('E_USAGE', `--stats ${options.stats}: expected a comma-separated list of ${STATS.join(', ')}`);
      const [{ readRunResult }, { compareRuns, resolveThresholds }, reporters, { writeAtomically }] = await Promise.all([
        import('../result/index.js'),
        import('../compare/index.js'),
        import('../../reporters/compare/index.js'),
        import('../../reporters/write-atomically.js'),
      ]);
      const thresholds = resolveThresholds(options.threshold);
      const before = await readRunResult(oldFile, deps.cwd);
      const after = await readRunResult(newFile, deps.cwd);
      const comparison = compareRuns({ report: oldFile, result: before }, { report: newFile, result: after }, thresholds, stats as Stat[]);
      deps.stdout.write(reporters.renderComparison(comparison, { quiet: options.quiet }));
      const write = async (file: string, content: string, what: string): Promise<void> => {
        const target = path.resolve(deps.cwd, file);
        try {
          await writeAtomically(target, content);
        } catch (error) {
          throw new AvcmError('E_REPORT', `cannot write the ${what} ${file}: ${(error as Error).message}`, { cause: error });
        }
        deps.stdout.write(`${what}: ${target}\n`);
      };
      if (options.markdown) await write(options.markdown, reporters.renderComparisonMarkdown(comparison), 'markdown');
      if (options.html) await write(options.html, reporters.renderComparisonHtml(comparison, before, after), 'html');
      if (options.json) await write(options.json, `${JSON.stringify(comparison, null, 2)}\n`, 'json');
      const broken = after.status === 'error' || after.status === 'aborted';
      setExit(comparison.regressions.length > 0 || broken ? 1 : 0);
    });
}
