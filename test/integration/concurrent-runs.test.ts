import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBackends } from '../../src/backends/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import { createRunner } from '../../src/runner/index.js';
import { buildServer } from '../../src/server/index.js';

// `avcm serve` runs what it accepts side by side: each run sends from ports of its own, so four
// runs posted at once all end in a measured verdict, never in a port clash.

let app: FastifyInstance;
const metrics = createMetrics();

beforeAll(async () => {
  const reportsDir = await mkdtemp(path.join(os.tmpdir(), 'avcm-serve-concurrent-'));
  const runner = createRunner({ backends: defaultBackends(), env: process.env, cwd: process.cwd(), log: () => undefined });
  app = (await buildServer({ runner, metrics, reportsDir, maxConcurrentRuns: 4 })).app;
});
afterAll(async () => {
  await app.close();
  metrics.close();
});

// No base_port: the default, ephemeral source ports. One engine process per run keeps four runs light on two cores.
const SCENARIO = `version: 1
name: side-by-side
duration: 4s
participants: { count: 2 }
scaling: { partitions: 1 }
assertions:
  packet_loss_percent: ["avg < 50"]
  mos: ["avg >= 1"]
`;

async function waitForEnd(id: string, timeoutMs = 150_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = (await app.inject({ method: 'GET', url: `/api/v1/runs/${id}` })).json() as Record<string, unknown>;
    if (['passed', 'failed', 'error', 'cancelled'].includes(body.state as string)) return body;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${String(body.state)} after ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('runs posted to avcm serve at once', () => {
  it('four runs of the same scenario all get measured verdicts, none ends in error', async () => {
    const posted = await Promise.all(
      Array.from({ length: 4 }, () => app.inject({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/yaml' }, payload: SCENARIO })),
    );
    expect(posted.map((res) => res.statusCode)).toEqual([202, 202, 202, 202]);
    const ids = posted.map((res) => (res.json() as { id: string }).id);
    const ended = await Promise.all(ids.map((id) => waitForEnd(id)));
    for (const run of ended) {
      const verdict = run.verdict as { status: string; errorMessage: string | null; assertions: { measured: number | null }[] };
      expect(run.state, `${String(run.id)}: ${verdict.errorMessage}`).not.toBe('error');
      expect(['passed', 'failed']).toContain(verdict.status);
      // Measured: every assertion has a figure from the probe.
      for (const assertion of verdict.assertions) expect(assertion.measured).not.toBeNull();
      const json = await app.inject({ method: 'GET', url: `/api/v1/runs/${String(run.id)}/report.json` });
      expect((json.json() as { totals: { packetsReceived: number } }).totals.packetsReceived).toBeGreaterThan(0);
    }
  }, 200_000);

  it('a scenario that fixes ports another run in flight holds is refused up front with 409 E_PORTS', async () => {
    const fixed = SCENARIO.replace('count: 2 }', 'count: 2, base_port: 23100 }').replace('duration: 4s', 'duration: 6s');
    const first = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/yaml' }, payload: fixed });
    expect(first.statusCode).toBe(202);
    const second = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/yaml' }, payload: fixed });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ error: 'E_PORTS', path: 'body/participants/base_port', message: expect.stringMatching(/binds ports 23100\.\.23101 that run \w+ \(side-by-side, (queued|running)\) holds/) });
    const done = await waitForEnd((first.json() as { id: string }).id);
    expect(done.state).not.toBe('error');
  }, 120_000);
});
