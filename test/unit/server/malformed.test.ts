import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics/index.js';
import { buildServer } from '../../../src/server/index.js';
import { FakeRunner } from './fake-runner.js';

// Client mistakes of every kind, per route: each is a 4xx with a JSON error body, never a 5xx, and
// the server keeps answering afterwards.

let app: FastifyInstance;
let reportsDir: string;
const metrics = createMetrics();
const runner = new FakeRunner();

beforeAll(async () => {
  reportsDir = await mkdtemp(path.join(os.tmpdir(), 'avcm-server-bad-'));
  ({ app } = await buildServer({ runner, metrics, reportsDir, maxParticipants: 50, maxBodyBytes: 64 * 1024 }));
  // A created test and a started one for the routes that need one.
  await app.inject({ method: 'POST', url: '/api/v1/test/create', payload: { test_id: 'made', num_participants: 2, duration_seconds: 10 } });
  await app.inject({ method: 'POST', url: '/api/v1/test/create', payload: { test_id: 'live', num_participants: 2, duration_seconds: 10 } });
  await app.inject({ method: 'POST', url: '/api/v1/test/live/start' });
  runner.run('live').begin();
});
afterAll(async () => {
  await app.close();
  metrics.close();
  await rm(reportsDir, { recursive: true, force: true });
});

const yaml = { 'content-type': 'application/yaml' };
const json = { 'content-type': 'application/json' };
const ok = { num_participants: 2, duration_seconds: 10 };
const spike = (body: object): InjectOptions => ({ method: 'POST', url: '/api/v1/test/live/spike', payload: body });
const createTest = (body: object): InjectOptions => ({ method: 'POST', url: '/api/v1/test/create', payload: body });

type Case = [name: string, request: InjectOptions, status: number, error: string, body: RegExp];
const cases: Case[] = [
  // POST /api/v1/runs
  ['runs: YAML syntax error', { method: 'POST', url: '/api/v1/runs', headers: yaml, payload: 'version: 1\nname: [' }, 400, 'E_SCENARIO', /YAML syntax error/],
  ['runs: YAML that is not a scenario (a list)', { method: 'POST', url: '/api/v1/runs', headers: yaml, payload: '- a\n- b\n' }, 400, 'E_SCENARIO', /problem/],
  ['runs: YAML scalar', { method: 'POST', url: '/api/v1/runs', headers: yaml, payload: 'hello' }, 400, 'E_SCENARIO', /problem/],
  ['runs: wrong type', { method: 'POST', url: '/api/v1/runs', payload: { version: 1, name: 'x', duration: '5s', participants: { count: 'many' } } }, 400, 'E_SCENARIO', /participants\/count/],
  ['runs: missing fields', { method: 'POST', url: '/api/v1/runs', payload: { version: 1 } }, 400, 'E_SCENARIO', /problem/],
  ['runs: unknown field', { method: 'POST', url: '/api/v1/runs', payload: { version: 1, name: 'x', duration: '5s', participants: { count: 1 }, bogus: 1 } }, 400, 'E_SCENARIO', /bogus/],
  ['runs: negative count', { method: 'POST', url: '/api/v1/runs', payload: { version: 1, name: 'x', duration: '5s', participants: { count: -3 } } }, 400, 'E_SCENARIO', /count/],
  ['runs: huge participant count', { method: 'POST', url: '/api/v1/runs', payload: { version: 1, name: 'x', duration: '5s', participants: { count: 5000 } } }, 400, 'E_LIMIT', /limit of 50/],
  ['runs: server-side media path', { method: 'POST', url: '/api/v1/runs', payload: { version: 1, name: 'x', duration: '5s', participants: { count: 1 }, media: { video: { file: '/etc/passwd' } } } }, 400, 'E_LIMIT', /not allowed/],
  ['runs: acting on a system under test (shell commands)', { method: 'POST', url: '/api/v1/runs', payload: { version: 1, name: 'x', duration: '5s', participants: { count: 1 }, sut: { driver: 'command', restart: 'rm -rf /' }, spikes: [{ type: 'sut_restart', at: '1s', duration: '2s' }] } }, 400, 'E_LIMIT', /cannot act on a system under test/],
  ['runs: YAML alias bomb', { method: 'POST', url: '/api/v1/runs', headers: yaml, payload: `a: &a [x,x,x,x,x,x,x,x,x,x]\n${Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`).join('\n')}\n` }, 400, 'E_SCENARIO', /./],
  ['runs: empty YAML body', { method: 'POST', url: '/api/v1/runs', headers: yaml, payload: '' }, 400, 'E_REQUEST', /body/],
  ['runs: empty JSON body', { method: 'POST', url: '/api/v1/runs', headers: json, payload: '' }, 400, 'E_REQUEST', /body/],
  ['runs: no body at all', { method: 'POST', url: '/api/v1/runs' }, 400, 'E_REQUEST', /body/],
  ['runs: malformed JSON', { method: 'POST', url: '/api/v1/runs', headers: json, payload: '{"version": ' }, 400, 'E_SCENARIO', /syntax/],
  ['runs: wrong content type', { method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'image/png' }, payload: 'xx' }, 415, 'E_REQUEST', /content-type/i],
  ['runs: form body', { method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' }, 415, 'E_REQUEST', /./],
  ['runs: oversized body', { method: 'POST', url: '/api/v1/runs', headers: yaml, payload: `# ${'x'.repeat(70 * 1024)}\n` }, 413, 'E_REQUEST', /large/i],
  // GET/DELETE /api/v1/runs/:id and reports
  ['runs: unknown id', { method: 'GET', url: '/api/v1/runs/nope' }, 404, 'E_NOT_FOUND', /nope/],
  ['runs: bad id (path traversal)', { method: 'GET', url: '/api/v1/runs/..%2F..%2Fetc' }, 400, 'E_REQUEST', /params\/id/],
  ['runs: bad id (too long)', { method: 'GET', url: `/api/v1/runs/${'a'.repeat(65)}` }, 400, 'E_REQUEST', /params\/id/],
  ['runs: very long id', { method: 'GET', url: `/api/v1/runs/${'a'.repeat(5000)}` }, 414, 'E_REQUEST', /longer than 128/],
  ['runs: bad report kind', { method: 'GET', url: '/api/v1/runs/abc/report.exe' }, 400, 'E_REQUEST', /params\/kind/],
  ['runs: report of unknown run', { method: 'GET', url: '/api/v1/runs/abc/report.html' }, 404, 'E_NOT_FOUND', /abc/],
  ['runs: report before it is written', { method: 'GET', url: '/api/v1/runs/live/report.json' }, 404, 'E_NOT_READY', /written when it ends/],
  ['runs: delete unknown', { method: 'DELETE', url: '/api/v1/runs/ghost' }, 404, 'E_NOT_FOUND', /ghost/],
  ['runs: list with unknown query', { method: 'GET', url: '/api/v1/runs?evil=1' }, 400, 'E_REQUEST', /querystring/],
  ['runs: list with bad state', { method: 'GET', url: '/api/v1/runs?state=exploded' }, 400, 'E_REQUEST', /querystring\/state/],
  ['runs: list with huge limit', { method: 'GET', url: '/api/v1/runs?limit=99999' }, 400, 'E_REQUEST', /querystring\/limit/],
  ['runs: list with negative limit', { method: 'GET', url: '/api/v1/runs?limit=-1' }, 400, 'E_REQUEST', /querystring\/limit/],
  // POST /api/v1/test/create
  ['create: missing num_participants', createTest({ duration_seconds: 10 }), 400, 'E_REQUEST', /num_participants/],
  ['create: wrong type', createTest({ num_participants: 'ten', duration_seconds: 10 }), 400, 'E_REQUEST', /body\/num_participants/],
  ['create: string number where a number is needed', createTest({ num_participants: '10', duration_seconds: 10 }), 400, 'E_REQUEST', /body\/num_participants/],
  ['create: negative duration', createTest({ num_participants: 2, duration_seconds: -1 }), 400, 'E_REQUEST', /body\/duration_seconds/],
  ['create: zero participants', createTest({ num_participants: 0, duration_seconds: 10 }), 400, 'E_REQUEST', /body\/num_participants/],
  ['create: huge number', createTest({ num_participants: 1e12, duration_seconds: 10 }), 400, 'E_REQUEST', /body\/num_participants/],
  ['create: over the server limit', createTest({ num_participants: 51, duration_seconds: 10 }), 400, 'E_LIMIT', /limit of 50/],
  ['create: fractional participants', createTest({ num_participants: 2.5, duration_seconds: 10 }), 400, 'E_REQUEST', /integer/],
  ['create: unknown field', createTest({ ...ok, evil: true }), 400, 'E_REQUEST', /unknown property "evil"/],
  ['create: unknown nested field', createTest({ ...ok, video: { codec: 'h264', resolution: '4k' } }), 400, 'E_REQUEST', /body\/video/],
  ['create: bad codec', createTest({ ...ok, video: { codec: 'vp8' } }), 400, 'E_REQUEST', /body\/video\/codec/],
  ['create: bad test_id', createTest({ ...ok, test_id: '../../etc' }), 400, 'E_REQUEST', /body\/test_id/],
  ['create: duplicate test_id', createTest({ ...ok, test_id: 'made' }), 409, 'E_CONFLICT', /already exists/],
  ['create: unknown spike type', createTest({ ...ok, spikes: [{ type: 'meteor' }] }), 400, 'E_REQUEST', /body\/spikes\/0\/type/],
  ['create: unknown spike param', createTest({ ...ok, spikes: [{ type: 'frame_drop', params: { evil: 1 } }] }), 400, 'E_REQUEST', /body\/spikes\/0\/params/],
  ['create: spike param not a number', createTest({ ...ok, spikes: [{ type: 'frame_drop', params: { drop_percentage: 'lots' } }] }), 400, 'E_REQUEST', /params/],
  ['create: spike longer than the run (semantic)', createTest({ ...ok, spikes: [{ type: 'frame_drop', duration_seconds: 60, params: { drop_percentage: 5 } }] }), 400, 'E_SCENARIO', /problem/],
  ['create: loss over 100 percent (semantic)', createTest({ ...ok, spikes: [{ type: 'rtp_packet_loss', duration_seconds: 2, params: { loss_percentage: '150' } }] }), 400, 'E_SCENARIO', /loss_percentage/],
  ['create: bad strategy', createTest({ ...ok, spike_distribution: { strategy: 'chaos' } }), 400, 'E_REQUEST', /strategy/],
  ['create: array body', { method: 'POST', url: '/api/v1/test/create', headers: json, payload: '[1,2]' }, 400, 'E_REQUEST', /body/],
  ['create: malformed JSON', { method: 'POST', url: '/api/v1/test/create', headers: json, payload: '{"num_participants":' }, 400, 'E_REQUEST', /JSON/i],
  ['create: YAML body', { method: 'POST', url: '/api/v1/test/create', headers: yaml, payload: 'num_participants: 2' }, 415, 'E_REQUEST', /./],
  ['create: oversized body', { method: 'POST', url: '/api/v1/test/create', headers: json, payload: JSON.stringify({ ...ok, test_id: 'x'.repeat(70 * 1024) }) }, 413, 'E_REQUEST', /large/i],
  // start / stop / metrics
  ['start: unknown test', { method: 'POST', url: '/api/v1/test/ghost/start' }, 404, 'E_NOT_FOUND', /ghost/],
  ['start: bad id', { method: 'POST', url: '/api/v1/test/a%20b/start' }, 400, 'E_REQUEST', /params\/id/],
  ['start: already started', { method: 'POST', url: '/api/v1/test/live/start' }, 409, 'E_STATE', /only a created run/],
  ['stop: unknown test', { method: 'POST', url: '/api/v1/test/ghost/stop' }, 404, 'E_NOT_FOUND', /ghost/],
  ['metrics: unknown test', { method: 'GET', url: '/api/v1/test/ghost/metrics' }, 404, 'E_NOT_FOUND', /ghost/],
  ['metrics: unknown query (global)', { method: 'GET', url: '/metrics?format=json' }, 400, 'E_REQUEST', /querystring/],
  // spike
  ['spike: missing duration', spike({ type: 'frame_drop' }), 400, 'E_REQUEST', /duration_seconds/],
  ['spike: unknown type', spike({ type: 'meteor', duration_seconds: 1 }), 400, 'E_REQUEST', /body\/type/],
  ['spike: negative duration', spike({ type: 'frame_drop', duration_seconds: -5 }), 400, 'E_REQUEST', /body\/duration_seconds/],
  ['spike: a day and more', spike({ type: 'frame_drop', duration_seconds: 1e7 }), 400, 'E_REQUEST', /body\/duration_seconds/],
  ['spike: participant ids not integers', spike({ type: 'frame_drop', duration_seconds: 1, participant_ids: ['a'] }), 400, 'E_REQUEST', /participant_ids\/0/],
  ['spike: negative participant id', spike({ type: 'frame_drop', duration_seconds: 1, participant_ids: [-1] }), 400, 'E_REQUEST', /participant_ids\/0/],
  ['spike: unknown param', spike({ type: 'frame_drop', duration_seconds: 1, params: { nuke: '1' } }), 400, 'E_REQUEST', /params/],
  ['spike: param out of range', spike({ type: 'rtp_packet_loss', duration_seconds: 1, params: { loss_percentage: '150' } }), 400, 'E_REQUEST', /0\.\.100/],
  ['spike: param exponent string', spike({ type: 'rtp_packet_loss', duration_seconds: 1, params: { loss_percentage: '1e3' } }), 400, 'E_REQUEST', /params/],
  ['spike: loss without its param', spike({ type: 'rtp_packet_loss', duration_seconds: 1 }), 400, 'E_REQUEST', /loss_percentage/],
  ['spike: bandwidth zero', spike({ type: 'bandwidth_limit', duration_seconds: 1, params: { bandwidth_kbps: 0 } }), 400, 'E_REQUEST', /bandwidth_kbps/],
  ['spike: unknown field', spike({ type: 'frame_drop', duration_seconds: 1, extra: 1 }), 400, 'E_REQUEST', /unknown property "extra"/],
  ['spike: test not started', { method: 'POST', url: '/api/v1/test/made/spike', payload: { type: 'frame_drop', duration_seconds: 1 } }, 409, 'E_STATE', /started/],
  ['spike: unknown test', { method: 'POST', url: '/api/v1/test/ghost/spike', payload: { type: 'frame_drop', duration_seconds: 1 } }, 404, 'E_NOT_FOUND', /ghost/],
  // sdp
  ['sdp: participant not a number', { method: 'GET', url: '/api/v1/test/live/sdp/abc' }, 400, 'E_REQUEST', /params\/participant_id/],
  ['sdp: participant id too long', { method: 'GET', url: '/api/v1/test/live/sdp/12345678901' }, 400, 'E_REQUEST', /params\/participant_id/],
  ['sdp: not a webrtc test', { method: 'GET', url: '/api/v1/test/live/sdp/1001' }, 409, 'E_STATE', /webrtc/],
  ['sdp: answer missing', { method: 'POST', url: '/api/v1/test/live/sdp/1001', payload: {} }, 400, 'E_REQUEST', /sdp_answer/],
  ['sdp: answer not SDP', { method: 'POST', url: '/api/v1/test/live/sdp/1001', payload: { sdp_answer: 'hello there, friend' } }, 400, 'E_REQUEST', /body\/sdp_answer/],
  ['sdp: answer of the wrong type', { method: 'POST', url: '/api/v1/test/live/sdp/1001', payload: { sdp_answer: 42 } }, 400, 'E_REQUEST', /body\/sdp_answer/],
  // elsewhere
  ['unknown route', { method: 'GET', url: '/api/v2/everything' }, 404, 'E_NOT_FOUND', /no route/],
  ['unknown method', { method: 'PUT', url: '/api/v1/runs' }, 404, 'E_NOT_FOUND', /no route/],
];

describe('bad input gets a 4xx JSON error with the path and reason, never a 5xx', () => {
  it.each(cases)('%s', async (_name, request, status, error, message) => {
    const res = await app.inject(request);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json() as { error: string; message: string; path?: string };
    expect(body.error, res.body).toBe(error);
    expect(body.message, res.body).toMatch(message);
    if (error === 'E_REQUEST' && status === 400 && /params|querystring|body\//.test(body.message)) expect(body.path).toBeTypeOf('string');
    expect(res.body).not.toMatch(/\bat .+\.(ts|js):\d+/);
  });

  it('still answers /healthz after all of them, and no run was started by them', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', runsActive: 1 });
    expect([...runner.runs.keys()]).toEqual(['live']);
  });
});
