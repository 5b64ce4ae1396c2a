import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../../src/cli/deps.js';
import { main } from '../../../src/cli/main.js';
import { eventually } from './fake-runner.js';

// `avcm serve` in-process: the real runner and server on an ephemeral loopback port.

function deps(env: NodeJS.ProcessEnv, cwd: string) {
  const out = { stdout: '', stderr: '' };
  let interrupt: ((signal: 'SIGINT' | 'SIGTERM') => void) | null = null;
  const d: Deps = {
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
    env,
    cwd,
    onInterrupt: (listener) => {
      interrupt = listener;
      return () => (interrupt = null);
    },
  };
  return { deps: d, out, interrupt: (signal: 'SIGINT' | 'SIGTERM') => interrupt?.(signal), listening: () => interrupt !== null };
}

describe('avcm serve', () => {
  it.each([['0.0.0.0'], ['10.1.2.3'], ['::']])('refuses to bind %s without a token (E_USAGE, exit 2, says why and how)', async (host) => {
    const { deps: d, out } = deps({}, os.tmpdir());
    const code = await main(['serve', '--host', host, '--port', '0'], d);
    expect(code).toBe(2);
    expect(out.stderr).toMatch(new RegExp(`refusing to bind ${host.replace(/\./g, '\\.')} without a token`));
    expect(out.stderr).toMatch(/--token/);
    expect(out.stderr).toMatch(/AVCM_TOKEN/);
  });

  it('rejects a bad port as a usage error', async () => {
    const { deps: d } = deps({}, os.tmpdir());
    expect(await main(['serve', '--port', '70000'], d)).toBe(2);
  });

  it('serves on loopback with the token from AVCM_TOKEN, then shuts down gracefully on SIGTERM (exit 0)', async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'avcm-serve-cli-'));
    const s = deps({ ...process.env, AVCM_TOKEN: 'tok-123' }, cwd);
    try {
      const exited = main(['serve', '--host', '127.0.0.1', '--port', '0', '--reports-dir', 'reports'], s.deps);
      await eventually(() => /serving on http:\/\/127\.0\.0\.1:\d+/.test(s.out.stderr), 20_000);
      const address = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(s.out.stderr)![1]!;
      expect(s.out.stderr).toMatch(/bearer token required/);
      expect((await fetch(`${address}/healthz`)).status).toBe(200);
      expect((await fetch(`${address}/api/v1/runs`)).status).toBe(401);
      const authed = await fetch(`${address}/api/v1/runs`, { headers: { authorization: 'Bearer tok-123' } });
      expect(await authed.json()).toEqual({ runs: [] });
      const metrics = await fetch(`${address}/metrics`, { headers: { authorization: 'Bearer tok-123' } });
      expect(await metrics.text()).toContain('avcm_process_cpu_seconds_total');
      s.interrupt('SIGTERM');
      expect(await exited).toBe(0);
      expect(s.out.stderr).toMatch(/SIGTERM: stopping 0 run\(s\)/);
      await expect(fetch(`${address}/healthz`)).rejects.toThrow();
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 30_000);

  it('a taken port is E_NETWORK (exit 3) with a hint', async () => {
    const net = await import('node:net');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const s = deps({}, os.tmpdir());
    try {
      const code = await main(['serve', '--port', String(port)], s.deps);
      expect(code).toBe(3);
      expect(s.out.stderr).toMatch(/cannot bind 127\.0\.0\.1:\d+: EADDRINUSE/);
      expect(s.out.stderr).toMatch(/--port/);
    } finally {
      blocker.close();
    }
  }, 30_000);
});
