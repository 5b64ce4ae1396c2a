import type { Command } from 'commander';
import { AvcmError } from '../errors/index.js';
import type { Problem, Scenario, UdpUrl } from '../scenario/index.js';
import type { RunOutcome, RunOverrides, RunningRun } from '../runner/index.js';
import type { BaselineReference } from '../verdict/index.js';
import type { Deps } from './deps.js';
import { expandScenarioArgs } from './files.js';
import type { IoPath } from '../io/index.js';
import { announceProblems, announceRun, summaryKind, summaryOption, type SummaryKind } from './github-output.js';
import { backendOption, durationOption, integerOption, IO_OPTION_HELP, ioOption, partitionsOption, seedOption, udpUrlOption } from './options.js';

interface TestOptions {
  backend?: RunOverrides['backend'];
  target?: UdpUrl;
  participants?: number;
  duration?: number;
  seed?: number;
  partitions?: number;
  outDir: string;
  junit?: string;
  html?: string;
  json?: string;
  quiet?: boolean;
  image?: string;
  namespace: string;
  keep?: boolean;
  monitoring?: boolean;
  io?: IoPath;
  baseline?: string;
  summary?: SummaryKind;
  baselineOptional?: boolean;
}

/** Plain (non-TTY) progress lines are printed this often; a TTY line is redrawn every second. */
const PLAIN_PROGRESS_EVERY_MS = 5_000;

/** `avcm test FILES...`: validate all, then run each scenario, print progress and a summary, write reports. */
export function registerTest(program: Command, deps: Deps, setExit: (code: number) => void): void {
  program
    .command('test')
    .description('run scenarios: validate, compile, launch participants and probe, evaluate assertions, write JUnit/HTML/JSON reports')
    .argument('<files...>', 'scenario files, folders or globs')
    .option('--backend <name>', 'local | docker | k8s (default: the scenario backend)', backendOption)
    .option('--target <url>', 'send to udp://HOST:PORT (the system under test) instead of the scenario target', udpUrlOption)
    .option('--participants <n>', 'override the participant count', integerOption(1, 100_000))
    .option('--duration <d>', 'override the run duration (e.g. 30s)', durationOption)
    .option('--seed <n>', 'seed for every random choice', seedOption)
    .option('--partitions <n>', 'engine processes / pods (default: cores for local)', partitionsOption)
    .option('--out-dir <dir>', 'folder for <scenario>.json/.xml/.html', 'avcm-reports')
    .option('--junit <file>', 'JUnit XML path (one scenario only)')
    .option('--html <file>', 'HTML report path (one scenario only)')
    .option('--json <file>', 'JSON result path (one scenario only)')
    .option('--quiet', 'no progress, only the summary and errors')
    .option('--image <image>', 'container image for the docker and k8s backends')
    .option('--namespace <ns>', 'Kubernetes namespace (k8s backend)', 'avcm')
    .option('--keep', 'leave containers / Kubernetes objects in place after the run')
    .option('--monitoring', 'also deploy Prometheus and Grafana (k8s backend)')
    .option('--io <path>', IO_OPTION_HELP, ioOption)
    .option('--summary <kind>', 'github: append a job summary to $GITHUB_STEP_SUMMARY and print ::error annotations (default inside GitHub Actions), or none', summaryOption)
    .option('--baseline-optional', 'when no baseline report is found (the first run), measure assertions that name baseline but do not judge them (skipped)')
    .option('--baseline <path>', "a previous run's JSON report, or a folder of them (matched by scenario name), for assertions like \"avg >= baseline - 0.1\"")
    .action(async (args: string[], options: TestOptions) => {
      const files = await expandScenarioArgs(args, deps.cwd);
      if (files.length > 1 && (options.junit || options.html || options.json)) {
        throw new AvcmError('E_USAGE', `--junit/--html/--json name one file, but ${files.length} scenarios were given`, { hint: 'use --out-dir for several scenarios' });
      }
      const { formatProblem, loadScenarioFile, validateLoaded } = await import('../scenario/index.js');
      // Every scenario is checked before anything runs: invalid input never runs.
      const github = summaryKind(options.summary, deps.env) === 'github';
      const scenarios: Scenario[] = [];
      let problems = 0;
      for (const file of files) {
        const validated = validateLoaded(await loadScenarioFile(file, deps.cwd), { partitions: options.partitions });
        for (const problem of validated.problems) deps.stderr.write(`${formatProblem(problem)}\n`);
        if (github) await announceProblems(validated.problems, deps);
        problems += validated.problems.length;
        if (validated.scenario) scenarios.push(validated.scenario);
      }
      if (problems > 0) {
        deps.stderr.write(`avcm: ${problems} problem${problems === 1 ? '' : 's'} found; nothing ran\n`);
        setExit(2);
        return;
      }
      const baselines = await resolveBaselines(scenarios, options.baseline, deps, github, options.baselineOptional === true);
      if (baselines === null) {
        setExit(2);
        return;
      }
      // Loaded here, not at the top: every process (engine agents too) starts through the CLI, and
      // only this verb needs the runner, the backends and the reporters.
      const [{ defaultBackends }, { createRunner }, { renderSummary }] = await Promise.all([import('../backends/index.js'), import('../runner/index.js'), import('../../reporters/index.js')]);
      const backends = defaultBackends({ image: options.image, namespace: options.namespace, keep: options.keep, monitoring: options.monitoring });
      const runner = createRunner({ backends, env: deps.env, cwd: deps.cwd, log: (line) => deps.stderr.write(`${line}\n`) });
      const overrides: RunOverrides = {
        backend: options.backend,
        target: options.target,
        participants: options.participants,
        durationMs: options.duration,
        seed: options.seed,
        partitions: options.partitions,
        io: options.io,
      };
      let exitCode = 0;
      for (const scenario of scenarios) {
        const baseline = baselines.get(scenario);
        const run = runner.start({ scenario, overrides, baseline, baselineOptional: options.baselineOptional, reports: { outDir: options.outDir, junit: options.junit, html: options.html, json: options.json } });
        const outcome = await followRun(run, deps, options.quiet ?? false);
        deps.stdout.write(renderSummary(outcome.result, { tty: deps.stdout.isTTY === true }));
        const written = [outcome.files.json, outcome.files.junit, outcome.files.html].filter((file) => !outcome.unwritten.includes(file));
        if (written.length > 0) deps.stdout.write(`reports: ${written.join('\n         ')}\n`);
        if (outcome.unwritten.length > 0) deps.stdout.write(`not written (E_REPORT): ${outcome.unwritten.join('\n                        ')}\n`);
        if (github) await announceRun(outcome.result, outcome.files, deps);
        exitCode = worstExitCode(exitCode, outcome.exitCode);
        if (outcome.exitCode === 130 || outcome.exitCode === 143) break;
      }
      setExit(exitCode);
    });
}

/**
 * The baseline run of each scenario (`--baseline`), looked up before anything runs. A scenario
 * whose assertions name `baseline` needs one: without --baseline, or when the folder holds no
 * report of it, every such assertion is printed with its place (`file:line:col`) and null is
 * returned (a usage error: nothing runs), unless `optional` (--baseline-optional): then they are
 * measured but skipped. Scenarios without relative assertions take a baseline
 * when one is found (the report then says what it was compared with), and need none.
 */
async function resolveBaselines(scenarios: Scenario[], baselinePath: string | undefined, deps: Deps, github: boolean, optional: boolean): Promise<Map<Scenario, BaselineReference> | null> {
  const { findBaseline } = await import('../baseline/index.js');
  const found = new Map<Scenario, BaselineReference>();
  const problems: Problem[] = [];
  for (const scenario of scenarios) {
    const relative = scenario.assertions.filter((a) => a.relative !== null);
    const baseline = baselinePath === undefined ? null : await findBaseline(baselinePath, scenario.name, deps.cwd);
    if (baseline) {
      if (baseline.result.scenario !== scenario.name) deps.stderr.write(`avcm: note: the baseline ${baseline.report} is a run of "${baseline.result.scenario}", compared with "${scenario.name}"\n`);
      found.set(scenario, baseline);
      continue;
    }
    if (optional) {
      if (relative.length > 0) deps.stderr.write(`avcm: note: no baseline run of ${scenario.name}${baselinePath === undefined ? '' : ` in ${baselinePath}`}; its ${relative.length} relative assertion${relative.length === 1 ? ' is' : 's are'} measured but skipped (--baseline-optional)\n`);
      continue;
    }
    for (const a of relative) {
      const why = baselinePath === undefined ? 'but no --baseline was given' : `but ${baselinePath} holds no report of scenario ${scenario.name}`;
      const problem: Problem = { file: a.location?.file ?? scenario.file ?? scenario.name, line: a.location?.line ?? 1, column: a.location?.column ?? 1, path: `/${a.path.join('/')}`, message: `"${a.expression}" compares with a baseline run, ${why}` };
      deps.stderr.write(`${problem.file}:${problem.line}:${problem.column} ${problem.path} ${problem.message}\n`);
      problems.push(problem);
    }
  }
  if (problems.length > 0) {
    const n = problems.length;
    deps.stderr.write(`avcm: ${n} assertion${n === 1 ? '' : 's'} need${n === 1 ? 's' : ''} a baseline run; nothing ran\n  hint: pass --baseline with a previous run's JSON report (avcm-reports/<scenario>.json) or the folder of reports\n`);
    if (github) await announceProblems(problems, deps);
    return null;
  }
  return found;
}

/** Prints progress while the run goes, stops it on SIGINT/SIGTERM, and returns its outcome. */
async function followRun(run: RunningRun, deps: Deps, quiet: boolean): Promise<RunOutcome> {
  const { renderProgress } = await import('../../reporters/index.js');
  const tty = deps.stderr.isTTY === true;
  let lastPlainMs = 0;
  let refusalSaid = false;
  const timer = setInterval(() => {
    const progress = run.progress();
    if (!refusalSaid && progress.sendRefused > 0) {
      // Said once and at once, even with --quiet: the verdict will blame a target nobody listened on.
      refusalSaid = true;
      deps.stderr.write(`${tty ? '\r\x1b[2K' : ''}avcm: the target refuses packets (ICMP port unreachable): is anything listening there? The run goes on; refused sends are counted in the report.\n`);
    }
    if (quiet) return;
    if (progress.state !== 'running') return;
    if (tty) deps.stderr.write(`\r\x1b[2K${renderProgress(progress, true)}`);
    else if (progress.elapsedMs - lastPlainMs >= PLAIN_PROGRESS_EVERY_MS) {
      lastPlainMs = progress.elapsedMs;
      deps.stderr.write(`${renderProgress(progress, false)}\n`);
    }
  }, 1_000);
  const unsubscribe = deps.onInterrupt((signal) => {
    deps.stderr.write(`\navcm: ${signal}: stopping, writing partial reports\n`);
    run.stop(signal);
  });
  try {
    return await run.done;
  } finally {
    clearInterval(timer);
    unsubscribe();
    if (tty && !quiet) deps.stderr.write('\r\x1b[2K');
  }
}

/** Across scenarios the most serious outcome wins: interrupted > run error > usage > failed > passed. */
function worstExitCode(a: number, b: number): number {
  const rank = (code: number): number => (code === 130 || code === 143 ? 5 : code === 3 ? 4 : code === 2 ? 3 : code === 1 ? 2 : 0);
  return rank(b) > rank(a) ? b : a;
}
