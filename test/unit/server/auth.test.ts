import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics/index.js';
import { buildServer, isLoopbackHost, tokenMatches } from '../../../src/server/index.js';
import { FakeRunner } from './fake-runner.js';

let app: FastifyInstance;
let reportsDir: string;
const metrics = createMetrics();
const TOKEN = 's3cret-token-\u00e9';

beforeAll(async () => {
  reportsDir = await mkdtemp(path.join(os.tmpdir(), 'avcm-server-auth-'));
  ({ app } = await buildServer({ runner: new FakeRunner(), metrics, reportsDir, token: TOKEN }));
});
afterAll(async () => {
  await app.close();
  metrics.close();
  await rm(reportsDir, { recursive: true, force: true });
});

describe('bearer token', () => {
  const routes: [string, string][] = [
    ['GET', '/api/v1/runs'],
    ['POST', '/api/v1/runs'],
    ['GET', '/api/v1/runs/abc'],
    ['DELETE', '/api/v1/runs/abc'],
    ['POST', '/api/v1/test/create'],
    ['GET', '/api/v1/test/abc/metrics'],
    ['POST', '/api/v1/test/abc/spike'],
    ['GET', '/metrics'],
    ['GET', '/openapi.json'],
    ['GET', '/no/such/route'],
  ];

  it.each(routes)('%s %s: missing -> 401, wrong -> 401, right -> not 401', async (method, url) => {
    const inject = (authorization?: string) => app.inject({ method: method as 'GET', url, headers: authorization ? { authorization } : {} });
    const missing = await inject();
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.json()).toMatchObject({ error: 'E_AUTH', message: expect.stringMatching(/Authorization: Bearer/) });
    expect((await inject('Bearer wrong')).statusCode).toBe(401);
    expect((await inject(`Bearer ${TOKEN}x`)).statusCode).toBe(401);
    expect((await inject(`Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`)).statusCode).toBe(401);
    expect((await inject(`Bearer ${TOKEN}`)).statusCode).not.toBe(401);
  });

  it('/healthz is open', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/healthz?probe=1' })).statusCode).toBe(200);
  });

  it('a rejected request never reaches the body parser or the route (no run is created)', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/test/create', payload: { test_id: 'sneaky', num_participants: 1, duration_seconds: 5 } });
    expect(res.statusCode).toBe(401);
    const list = await app.inject({ method: 'GET', url: '/api/v1/runs', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(list.json()).toEqual({ runs: [] });
  });
});

describe('tokenMatches (constant time over SHA-256 digests)', () => {
  it.each([
    ['abc', 'Bearer abc', true],
    ['abc', 'bearer abc', true],
    ['abc', 'Bearer  abc ', true],
    ['abc', 'Bearer abcd', false],
    ['abc', 'Bearer ab', false],
    ['abc', 'Bearer ABC', false],
    ['abc', 'abc', false],
    ['abc', 'Basic abc', false],
    ['abc', 'Bearer ', false],
    ['abc', '', false],
    ['abc', undefined, false],
    ['', 'Bearer ', false],
    ['a'.repeat(10_000), `Bearer ${'a'.repeat(10_000)}`, true],
    ['a'.repeat(10_000), `Bearer ${'a'.repeat(9_999)}b`, false],
  ] as [string, string | undefined, boolean][])('%#: expected %s, header %s -> %s', (expected, header, result) => {
    expect(tokenMatches(expected, header)).toBe(result);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['127.0.0.1.evil.com', false],
    ['example.com', false],
  ] as [string, boolean][])('%s -> %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
