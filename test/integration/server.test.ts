import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBackends } from '../../src/backends/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import { createRunner } from '../../src/runner/index.js';
import { buildServer, tokenMatches } from '../../src/server/index.js';

// The REST control plane with the real runner: runs go to real engine processes and the probe.

let app: FastifyInstance;
let secured: FastifyInstance;
const metrics = createMetrics();

beforeAll(async () => {
  const reportsDir = await mkdtemp(path.join(os.tmpdir(), 'avcm-serve-'));
  const runner = createRunner({ backends: defaultBackends(), env: process.env, cwd: process.cwd(), log: () => undefined });
  app = (await buildServer({ runner, metrics, reportsDir, maxParticipants: 50, maxBodyBytes: 64 * 1024 })).app;
  secured = (await buildServer({ runner, metrics: createMetrics(), reportsDir, token: 's3cret-token' })).app;
});
afterAll(async () => {
  await app.close();
  await secured.close();
  metrics.close();
});

const SCENARIO = `version: 1
name: rest-run
duration: 3s
participants: { count: 2, base_port: 0 }
assertions:
  packet_loss_percent: ["max < 1"]
`;

async function waitFor(id: string, states: string[], timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/runs/${id}` });
    const body = res.json() as Record<string, unknown>;
    if (states.includes(body.state as string) || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('scenario runs over REST', () => {
  it('POST a YAML scenario -> 202, it runs, ends with a verdict, and every report downloads', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/yaml' }, payload: SCENARIO });
    expect(created.statusCode).toBe(202);
    const { id } = created.json() as { id: string };
    const done = await waitFor(id, ['passed', 'failed', 'error', 'cancelled']);
    expect(done.state).toBe('passed');
    expect((done.verdict as { exitCode: number }).exitCode).toBe(0);
    const html = await app.inject({ method: 'GET', url: `/api/v1/runs/${id}/report.html` });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toMatch(/<!doctype html>/);
    const xml = await app.inject({ method: 'GET', url: `/api/v1/runs/${id}/report.xml` });
    expect(xml.body).toMatch(/<testsuite name="rest-run"/);
    const json = await app.inject({ method: 'GET', url: `/api/v1/runs/${id}/report.json` });
    expect(json.json()).toMatchObject({ scenario: 'rest-run', status: 'passed' });
  }, 90_000);

  it('the interactive API: create, start, inject a spike live, read metrics, stop', async () => {
    const create = await app.inject({ method: 'POST', url: '/api/v1/test/create', payload: { test_id: 'live1', num_participants: 2, duration_seconds: 30, video: { bitrate_kbps: 2500, fps: 30, width: 1280, height: 720 } } });
    expect(create.statusCode, create.body).toBe(201);
    expect((await app.inject({ method: 'POST', url: '/api/v1/test/live1/spike', payload: { type: 'rtp_packet_loss', duration_seconds: 2, params: { loss_percentage: '50' } } })).statusCode).toBe(409);
    expect((await app.inject({ method: 'POST', url: '/api/v1/test/live1/start' })).statusCode).toBe(200);
    await waitFor('live1', ['running']);
    await new Promise((r) => setTimeout(r, 1500));
    const spike = await app.inject({ method: 'POST', url: '/api/v1/test/live1/spike', payload: { spike_id: 'boom', type: 'rtp_packet_loss', duration_seconds: 2, participant_ids: [1001], params: { loss_percentage: '50' } } });
    expect(spike.statusCode, spike.body).toBe(200);
    expect(spike.json()).toMatchObject({ spike_id: 'boom', participant_ids: [1001] });
    await new Promise((r) => setTimeout(r, 2500));
    const m = await app.inject({ method: 'GET', url: '/api/v1/test/live1/metrics' });
    expect(m.json()).toMatchObject({ test_id: 'live1', state: 'running', participants_total: 2 });
    expect((m.json() as { packets_sent_total: number }).packets_sent_total).toBeGreaterThan(100);
    expect((await app.inject({ method: 'POST', url: '/api/v1/test/live1/stop' })).statusCode).toBe(200);
    const done = await waitFor('live1', ['cancelled', 'error', 'passed', 'failed']);
    expect(done.state).toBe('cancelled');
    const result = (await app.inject({ method: 'GET', url: '/api/v1/runs/live1/report.json' })).json() as { status: string; spikes: { id: string }[]; streams: { participantId: number; duringSpikes: { packet_loss_percent: number | null } }[] };
    expect(result.status).toBe('aborted');
    expect(result.spikes.map((s) => s.id)).toEqual(['live.0']);
    const hit = result.streams.filter((s) => s.participantId === 1001).map((s) => s.duringSpikes.packet_loss_percent!);
    expect(Math.min(...hit)).toBeGreaterThan(25);
  }, 90_000);

  it('/metrics passes promtool check metrics and carries the original platform names', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    for (const name of ['av_chaos_monkey_participants_total', 'av_chaos_monkey_packets_sent_total', 'av_chaos_monkey_bytes_sent_total', 'av_chaos_monkey_spikes_active', 'av_chaos_monkey_packet_loss_percent', 'av_chaos_monkey_jitter_seconds', 'av_chaos_monkey_mos', 'avcm_runs_total']) {
      expect(res.body).toContain(name);
    }
    const check = spawnSync('promtool', ['check', 'metrics'], { input: res.body, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const original = await app.inject({ method: 'GET', url: '/metrics?names=original' });
    expect(original.body).toContain('av_chaos_monkey_jitter_ms');
  });
});

describe('bad input gets a 4xx with the path and reason, never a 5xx', () => {
  const cases: [string, { method: 'GET' | 'POST' | 'DELETE'; url: string; payload?: string | object; headers?: Record<string, string> }, number, RegExp][] = [
    ['runs: YAML syntax error', { method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/yaml' }, payload: 'version: 1\nname: [' }, 400, /E_SCENARIO/],
    ['runs: YAML that is not a scenario', { method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/yaml' }, payload: '- a\n- b\n' }, 400, /E_SCENARIO/],
    ['runs: wrong type', { method: 'POST', url: '/api/v1/runs', payload: { version: 1, name: 'x', duration: '5s', participants: { count: 'many' } } }, 400, /participants\/count/],
    ['runs: missing fields', { method: 'POST', url: '/api/v1/runs', payload: { version: 1 } }, 400, /missing required property/],
    ['runs: unknown field', { method: 'POST', url: '/api/v1/runs', payload: { version: 1, name: 'x', duration: '5s', participants: { count: 1 }, bogus: 1 } }, 400, /bogus/],
    ['runs: huge participant count', { method: 'POST', url: '/api/v1/runs', payload: { version: 1, name: 'x', duration: '5s', participants: { count: 5000 } } }, 400, /limit of 50/],
    ['runs: server-side media path', { method: 'POST', url: '/api/v1/runs', payload: { version: 1, name: 'x', duration: '5s', participants: { count: 1 }, media: { video: { file: '/etc/passwd' } } } }, 400, /not allowed/],
    ['runs: empty body', { method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/json' }, payload: '' }, 400, /./],
    ['runs: malformed JSON', { method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/json' }, payload: '{"version": ' }, 400, /./],
    ['runs: wrong content type', { method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'image/png' }, payload: 'xx' }, 415, /./],
    ['runs: oversized body', { method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/yaml' }, payload: `# ${'x'.repeat(70 * 1024)}\n` }, 413, /./],
    ['runs: unknown id', { method: 'GET', url: '/api/v1/runs/nope' }, 404, /E_NOT_FOUND/],
    ['runs: bad id', { method: 'GET', url: '/api/v1/runs/..%2F..%2Fetc' }, 400, /params/],
    ['runs: bad report kind', { method: 'GET', url: '/api/v1/runs/abc/report.exe' }, 400, /params/],
    ['test: missing num_participants', { method: 'POST', url: '/api/v1/test/create', payload: { duration_seconds: 10 } }, 400, /num_participants/],
    ['test: negative duration', { method: 'POST', url: '/api/v1/test/create', payload: { num_participants: 2, duration_seconds: -1 } }, 400, /duration_seconds/],
    ['test: huge number', { method: 'POST', url: '/api/v1/test/create', payload: { num_participants: 1e12, duration_seconds: 10 } }, 400, /num_participants/],
    ['test: unknown spike type', { method: 'POST', url: '/api/v1/test/create', payload: { num_participants: 2, duration_seconds: 10, spikes: [{ type: 'meteor' }] } }, 400, /type/],
    ['test: unknown spike param', { method: 'POST', url: '/api/v1/test/create', payload: { num_participants: 2, duration_seconds: 10, spikes: [{ type: 'frame_drop', params: { evil: 1 } }] } }, 400, /params/],
    ['test: semantic problem (spike longer than the run)', { method: 'POST', url: '/api/v1/test/create', payload: { num_participants: 2, duration_seconds: 10, spikes: [{ type: 'frame_drop', duration_seconds: 60, params: { drop_percentage: 5 } }] } }, 400, /E_SCENARIO/],
    ['test: start unknown', { method: 'POST', url: '/api/v1/test/ghost/start' }, 404, /E_NOT_FOUND/],
    ['test: spike on unknown test', { method: 'POST', url: '/api/v1/test/ghost/spike', payload: { type: 'frame_drop', duration_seconds: 1 } }, 404, /E_NOT_FOUND/],
    ['test: spike bad body', { method: 'POST', url: '/api/v1/test/ghost/spike', payload: { type: 'frame_drop' } }, 400, /duration_seconds/],
    ['test: sdp bad participant', { method: 'GET', url: '/api/v1/test/ghost/sdp/abc' }, 400, /participant_id/],
    ['unknown route', { method: 'GET', url: '/api/v2/everything' }, 404, /E_NOT_FOUND/],
  ];
  it.each(cases)('%s', async (_name, request, status, body) => {
    const res = await app.inject(request);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toMatch(body);
  });

  it('still answers /healthz after all of them', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.json()).toMatchObject({ status: 'ok' });
  });

  it('the OpenAPI document is generated from the route schemas', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/runs', '/api/v1/runs/{id}', '/api/v1/test/create', '/api/v1/test/{id}/spike']));
  });
});

describe('token', () => {
  it('is enforced on every route but /healthz', async () => {
    expect((await secured.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await secured.inject({ method: 'GET', url: '/api/v1/runs' })).statusCode).toBe(401);
    expect((await secured.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await secured.inject({ method: 'GET', url: '/api/v1/runs', headers: { authorization: 'Bearer s3cret-token' } })).statusCode).toBe(200);
  });

  it('compares in constant time over hashes and never matches an empty token', () => {
    expect(tokenMatches('abc', 'Bearer abc')).toBe(true);
    expect(tokenMatches('abc', 'Bearer abcd')).toBe(false);
    expect(tokenMatches('abc', 'abc')).toBe(false);
    expect(tokenMatches('abc', undefined)).toBe(false);
  });
});
