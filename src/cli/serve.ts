import path from 'node:path';
import type { Command } from 'commander';
import { AvcmError } from '../errors/index.js';
import { isLoopbackHost } from '../server/auth.js';
import type { Deps } from './deps.js';
import { hostOption, integerOption } from './options.js';

interface ServeOptions {
  host: string;
  port: number;
  token?: string;
  reportsDir: string;
  maxParticipants: number;
  maxRuns: number;
}

/**
 * `avcm serve`: the REST control plane and /metrics until SIGINT/SIGTERM, then a graceful stop:
 * every run in flight is stopped, its partial reports are awaited, and the server closes.
 * Loopback only unless a token is set.
 */
export function registerServe(program: Command, deps: Deps, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('the REST control plane (scenario runs, live spikes, WebRTC signaling) and Prometheus /metrics')
    .option('--host <host>', 'address to bind', hostOption, '127.0.0.1')
    .option('--port <port>', 'port to bind (0 = any free port)', integerOption(0, 65535), 8080)
    .option('--token <token>', 'bearer token required on every route but /healthz (default: AVCM_TOKEN)')
    .option('--reports-dir <dir>', 'where run reports are written (one folder per run id)', 'avcm-reports/server')
    .option('--max-participants <n>', 'largest participant count a posted scenario may ask for', integerOption(1, 100_000), 5000)
    .option('--max-runs <n>', 'runs in flight at once (more are refused with 429)', integerOption(1, 64), 4)
    .action(async (options: ServeOptions) => {
      const token = options.token ?? (deps.env.AVCM_TOKEN || undefined);
      if (!isLoopbackHost(options.host) && !token) {
        throw new AvcmError('E_USAGE', `refusing to bind ${options.host} without a token: anyone who can reach it could start load runs and read reports`, {
          hint: 'pass --token <secret> (or set AVCM_TOKEN) so clients must send "Authorization: Bearer <secret>", or bind 127.0.0.1',
        });
      }
      // Listen for the signal before binding so an early SIGTERM still shuts down cleanly.
      let unsubscribe: () => void = () => undefined;
      const interrupted = new Promise<'SIGINT' | 'SIGTERM'>((resolve) => {
        unsubscribe = deps.onInterrupt((signal) => resolve(signal));
      });
      const [{ defaultBackends }, { createMetrics }, { createRunner }, { buildServer }] = await Promise.all([
        import('../backends/index.js'),
        import('../metrics/index.js'),
        import('../runner/index.js'),
        import('../server/index.js'),
      ]);
      const metrics = createMetrics({ processMetrics: true });
      try {
        const runner = createRunner({ backends: defaultBackends(), env: deps.env, cwd: deps.cwd, log: (line) => deps.stderr.write(`${line}\n`) });
        const { app, registry } = await buildServer({
          runner,
          metrics,
          reportsDir: path.resolve(deps.cwd, options.reportsDir),
          token,
          maxParticipants: options.maxParticipants,
          maxConcurrentRuns: options.maxRuns,
        });
        let address: string;
        try {
          address = await app.listen({ host: options.host, port: options.port });
        } catch (error) {
          await app.close();
          const code = (error as NodeJS.ErrnoException).code;
          throw new AvcmError('E_NETWORK', `cannot bind ${options.host}:${options.port}: ${code ?? (error as Error).message}`, {
            hint: code === 'EADDRINUSE' ? 'another process uses that port; pick another with --port (0 = any free port)' : 'check --host is an address of this machine',
            cause: error,
          });
        }
        deps.stderr.write(`avcm: serving on ${address} (OpenAPI at ${address}/openapi.json, metrics at ${address}/metrics)${token ? ', bearer token required' : ''}\n`);
        const signal = await interrupted;
        deps.stderr.write(`avcm: ${signal}: stopping ${registry.active().length} run(s) (partial reports are written), closing the server\n`);
        await registry.stopAll(signal);
        await app.close();
        setExit(0);
      } finally {
        unsubscribe();
        metrics.close();
      }
    });
}
