import path from 'node:path';
import type { Command } from 'commander';
import { AvcmError } from '../errors/index.js';
import { isLoopbackHost } from '../server/auth.js';
import type { Deps } from './deps.js';
import { integerOption } from './options.js';

/** `avcm serve`: the REST control plane and /metrics. Loopback only unless a token is set. */
export function registerServe(program: Command, deps: Deps, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('the REST control plane (scenario runs, live spikes, WebRTC signaling) and Prometheus /metrics')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to bind', integerOption(0, 65535), 8080)
    .option('--token <token>', 'bearer token required on every route but /healthz (default: AVCM_TOKEN)')
    .option('--reports-dir <dir>', 'where run reports are written', 'avcm-reports/server')
    .option('--max-participants <n>', 'largest participant count a posted scenario may ask for', integerOption(1, 100_000), 5000)
    .option('--max-runs <n>', 'runs in flight at once', integerOption(1, 64), 4)
    .action(async (options: { host: string; port: number; token?: string; reportsDir: string; maxParticipants: number; maxRuns: number }) => {
      const token = options.token ?? deps.env.AVCM_TOKEN;
      if (!isLoopbackHost(options.host) && !token) {
        throw new AvcmError('E_USAGE', `refusing to bind ${options.host} without a token: anyone who reaches it could start load runs`, {
          hint: 'pass --token <secret> or set AVCM_TOKEN, or bind 127.0.0.1',
        });
      }
      const [{ defaultBackends }, { createMetrics }, { createRunner }, { buildServer }] = await Promise.all([
        import('../backends/index.js'),
        import('../metrics/index.js'),
        import('../runner/index.js'),
        import('../server/index.js'),
      ]);
      const metrics = createMetrics({ processMetrics: true });
      const runner = createRunner({ backends: defaultBackends(), env: deps.env, cwd: deps.cwd, log: (line) => deps.stderr.write(`${line}\n`) });
      const { app, registry } = await buildServer({
        runner,
        metrics,
        reportsDir: path.resolve(deps.cwd, options.reportsDir),
        token,
        maxParticipants: options.maxParticipants,
        maxConcurrentRuns: options.maxRuns,
      });
      const address = await app.listen({ host: options.host, port: options.port });
      deps.stderr.write(`avcm: serving on ${address} (OpenAPI at ${address}/openapi.json, metrics at ${address}/metrics)${token ? ', bearer token required' : ''}\n`);
      const signal = await new Promise<'SIGINT' | 'SIGTERM'>((resolve) => {
        const unsubscribe = deps.onInterrupt((s) => {
          unsubscribe();
          resolve(s);
        });
      });
      deps.stderr.write(`avcm: ${signal}: stopping runs (partial reports are written), closing the server\n`);
      await registry.stopAll(signal);
      await app.close();
      metrics.close();
      setExit(0);
    });
}
