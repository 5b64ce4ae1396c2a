import type { Command } from 'commander';
import { runAgent } from '../engine/index.js';
import { ioRequest, type IoPath } from '../io/index.js';
import type { Deps } from './deps.js';
import { integerOption, IO_OPTION_HELP, ioOption, udpUrlOption } from './options.js';

/** `avcm agent`: one partition's participant engine; what local runs, containers and pods execute. */
export function registerAgent(program: Command, deps: Deps, setExit: (code: number) => void): void {
  program
    .command('agent')
    .description("run one partition's participants (speaks JSON lines on stdin/stdout; used by the local, docker and k8s backends)")
    .requiredOption('--plan <file>', 'compiled plan JSON (from `avcm plan`, or the ConfigMap)')
    .option('--partition <n>', 'partition id (default: PARTITION_ID, or the pod name suffix orchestrator-N)', integerOption(0, 1023))
    .option('--target <url>', 'send to udp://HOST:PORT instead of the plan target', udpUrlOption)
    .option('--base-dir <dir>', "folder that relative media paths in the plan resolve against (the scenario's folder)")
    .option('--wait-start', 'wait for a {"type":"start"} line on stdin')
    .option('--metrics-port <port>', "serve this partition's Prometheus metrics on this port", integerOption(1, 65535))
    .option('--engine <kind>', 'paced (default) or naive (the benchmark baseline)', 'paced')
    .option('--start-at <epochMs>', 'epoch ms at which the run starts (all partitions alike)', integerOption(0, Number.MAX_SAFE_INTEGER))
    .option('--io <path>', IO_OPTION_HELP, ioOption)
    .action(async (options: { plan: string; partition?: number; target?: { host: string; port: number }; baseDir?: string; waitStart?: boolean; startAt?: number; engine: string; metricsPort?: number; io?: IoPath }) => {
      const env = deps.env;
      const startAt = options.waitStart ? 'stdin' : (options.startAt ?? (env.AVCM_RUN_START_EPOCH_MS ? Number(env.AVCM_RUN_START_EPOCH_MS) : undefined));
      const code = await runAgent({
        planFile: options.plan,
        partition: options.partition,
        target: options.target,
        baseDir: options.baseDir ?? deps.cwd,
        startAt,
        engine: options.engine === 'naive' ? 'naive' : 'paced',
        io: ioRequest(options.io, env),
        log: (line) => deps.stderr.write(`${line}\n`),
        metricsPort: options.metricsPort,
        env,
        input: process.stdin,
        onInterrupt: (listener) => deps.onInterrupt(listener),
        output: deps.stdout,
      });
      // stdin keeps the event loop alive; the agent is done with it.
      process.stdin.destroy();
      setExit(code);
    });
}
