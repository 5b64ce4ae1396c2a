import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMetrics, type AvcmMetrics } from '../../../src/metrics/index.js';
import { buildServer, type RunRegistry } from '../../../src/server/index.js';
import { eventually, FakeRunner } from './fake-runner.js';

// Every route through inject(), with a runner that follows the contract and is driven by the test.

const SCENARIO = `version: 1
name: rest-run
duration: 10s
participants: { count: 3, base_port: 0 }
assertions:
  packet_loss_percent: ["max < 1"]
`;

let app: FastifyInstance;
let registry: RunRegistry;
let runner: FakeRunner;
let metrics: AvcmMetrics;
let reportsDir: string;

beforeEach(async () => {
  reportsDir = await mkdtemp(path.join(os.tmpdir(), 'avcm-server-'));
  runner = new FakeRunner();
  metrics = createMetrics();
  ({ app, registry } = await buildServer({ runner, metrics, reportsDir, maxConcurrentRuns: 2 }));
});
afterEach(async () => {
  await app.close();
  metrics.close();
  await rm(reportsDir, { recursive: true, force: true });
});

async function postRun(body = SCENARIO, contentType = 'application/yaml'): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': contentType }, payload: body });
  expect(res.statusCode, res.body).toBe(202);
  return (res.json() as { id: string }).id;
}

const get = async (url: string) => app.inject({ method: 'GET', url });

describe('scenario runs', () => {
  it('POST YAML -> 202 queued with links; the run gets its own id and report folder under reportsDir', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/yaml' }, payload: SCENARIO });
    expect(res.statusCode).toBe(202);
    const body = res.json() as { id: string; state: string; links: Record<string, string> };
    expect(body.state).toBe('queued');
    expect(body.id).toMatch(/^[0-9a-f]{12}$/);
    expect(body.links).toMatchObject({ self: `/api/v1/runs/${body.id}`, html: `/api/v1/runs/${body.id}/report.html` });
    const request = runner.run(body.id).request;
    expect(request.reports.outDir).toBe(path.join(reportsDir, body.id));
    expect(request.scenario.participants.count).toBe(3);
    expect(request.signaling).toBe('probe');
  });

  it.each([['text/yaml'], ['application/json'], ['application/json; charset=utf-8']])('accepts %s', async (type) => {
    const body = type.startsWith('application/json') ? JSON.stringify({ version: 1, name: 'json-run', duration: '5s', participants: { count: 1, base_port: 0 } }) : SCENARIO;
    const id = await postRun(body, type);
    expect(runner.run(id).request.scenario.name).toBe(type.startsWith('application/json') ? 'json-run' : 'rest-run');
  });

  it('state machine: queued -> running -> passed, with verdict, exitCode and downloadable reports', async () => {
    const id = await postRun();
    expect((await get(`/api/v1/runs/${id}`)).json()).toMatchObject({ id, scenario: 'rest-run', state: 'queued', exitCode: null, verdict: null });
    expect((await get(`/api/v1/runs/${id}/report.html`)).statusCode).toBe(404);
    const run = runner.run(id);
    run.begin();
    run.send(500);
    await eventually(async () => (await get(`/api/v1/runs/${id}`)).json().state === 'running');
    expect((await get(`/api/v1/runs/${id}`)).json()).toMatchObject({ progress: { packetsSent: 500, participants: 3 } });
    await run.finish('passed');
    await eventually(async () => (await get(`/api/v1/runs/${id}`)).json().state === 'passed');
    const done = (await get(`/api/v1/runs/${id}`)).json();
    expect(done).toMatchObject({ exitCode: 0, verdict: { status: 'passed', exitCode: 0, passed: 1, failed: 0 }, links: { json: `/api/v1/runs/${id}/report.json` } });
    const html = await get(`/api/v1/runs/${id}/report.html`);
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.body).toContain('<!doctype html>');
    const xml = await get(`/api/v1/runs/${id}/report.xml`);
    expect(xml.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(xml.body).toContain('<testsuite name="rest-run"');
    const json = await get(`/api/v1/runs/${id}/report.json`);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json.json()).toMatchObject({ scenario: 'rest-run', status: 'passed' });
  });

  it('a failed verdict is state failed with exit code 1; an error outcome is state error', async () => {
    const a = await postRun();
    const b = await postRun();
    await runner.run(a).finish('failed');
    await runner.run(b).finish('error');
    await eventually(async () => (await get(`/api/v1/runs/${b}`)).json().state === 'error');
    expect((await get(`/api/v1/runs/${a}`)).json()).toMatchObject({ state: 'failed', exitCode: 1, verdict: { failed: 1 } });
    expect((await get(`/api/v1/runs/${b}`)).json()).toMatchObject({ state: 'error', exitCode: 3 });
  });

  it('DELETE cancels: 202, the runner is stopped with reason cancelled, the state ends cancelled with partial reports', async () => {
    const id = await postRun();
    runner.run(id).begin();
    const res = await app.inject({ method: 'DELETE', url: `/api/v1/runs/${id}` });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ id });
    expect(runner.run(id).stopReason).toBe('cancelled');
    await eventually(async () => (await get(`/api/v1/runs/${id}`)).json().state === 'cancelled');
    expect((await get(`/api/v1/runs/${id}/report.json`)).json()).toMatchObject({ status: 'aborted' });
    // cancelling again is harmless
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/runs/${id}` })).statusCode).toBe(202);
  });

  it('several runs at once are isolated; one over the limit is a 429 that registers nothing', async () => {
    const a = await postRun();
    const b = await postRun();
    expect(a).not.toBe(b);
    expect(runner.run(a).request.reports.outDir).not.toBe(runner.run(b).request.reports.outDir);
    const refused = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/yaml' }, payload: SCENARIO });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: 'E_BUSY' });
    expect(registry.list()).toHaveLength(2);
    runner.run(a).begin();
    runner.run(a).send(10);
    await runner.run(a).finish('passed');
    await eventually(() => registry.active().length === 1);
    expect(runner.run(b).progress().packetsSent).toBe(0);
    await postRun();
  });

  it('GET /api/v1/runs lists every run, filters by state and limits to the newest', async () => {
    const a = await postRun();
    const b = await postRun();
    await runner.run(a).finish('passed');
    await eventually(() => registry.get(a).state === 'passed');
    const all = (await get('/api/v1/runs')).json() as { runs: { id: string; state: string }[] };
    expect(all.runs.map((r) => r.id)).toEqual([a, b]);
    expect(((await get('/api/v1/runs?state=passed')).json() as typeof all).runs.map((r) => r.id)).toEqual([a]);
    expect(((await get('/api/v1/runs?limit=1')).json() as typeof all).runs.map((r) => r.id)).toEqual([b]);
  });

  it('an invalid scenario is a 400 E_SCENARIO with every problem located at the line and column sent', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/yaml' }, payload: 'version: 1\nname: bad\nduration: 5s\nparticipants:\n  count: -4\n  bogus: true\n' });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: string; message: string; problems: { line: number; col: number; path: string; message: string }[] };
    expect(body.error).toBe('E_SCENARIO');
    expect(body.problems.length).toBeGreaterThanOrEqual(2);
    expect(body.problems).toEqual(expect.arrayContaining([expect.objectContaining({ line: 5, path: '/participants/count' }), expect.objectContaining({ line: 6 })]));
    for (const p of body.problems) expect(p.col).toBeGreaterThan(0);
    const json = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/json' }, payload: '{\n  "version": 1,\n  "name": "x",\n  "duration": "5s",\n  "participants": { "count": "many" }\n}' });
    expect(json.statusCode).toBe(400);
    expect((json.json() as typeof body).problems[0]).toMatchObject({ line: 5, path: '/participants/count' });
    expect(registry.list()).toHaveLength(0);
  });

  it('a runner that throws on start leaves the run in state error and answers 500 without a stack', async () => {
    runner.failNextStart = new Error('boom at /secret/path');
    const res = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/yaml' }, payload: SCENARIO });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'E_INTERNAL', message: 'internal error; see the server log' });
    expect(registry.list()[0]!.state).toBe('error');
  });
});

describe('the interactive test API (original platform shape)', () => {
  const create = (payload: object) => app.inject({ method: 'POST', url: '/api/v1/test/create', payload });

  it('create -> 201 created (not started), translated into a validated scenario', async () => {
    const res = await create({
      test_id: 'live1',
      num_participants: 4,
      duration_seconds: 60,
      video: { width: 1280, height: 720, fps: 30, bitrate_kbps: 2500, codec: 'h264' },
      audio: { bitrate_kbps: 64, ptime_ms: 20 },
      spikes: [{ type: 'rtp_packet_loss', count: 2, duration_seconds: 5, params: { loss_percentage: '15' } }],
      spike_distribution: { strategy: 'even', min_spacing_seconds: 5, jitter_percent: 15, respect_min_offset: true },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ test_id: 'live1', state: 'created', num_participants: 4, duration_seconds: 60, spikes: 1 });
    expect(registry.get('live1').scenario.spikes[0]).toMatchObject({ count: 2, shapes: [{ shape: { type: 'rtp_packet_loss' } }] });
    expect(runner.runs.size).toBe(0);
    expect((await create({ test_id: 'live1', num_participants: 1, duration_seconds: 5 })).statusCode).toBe(409);
  });

  it('start, metrics, spike (string numbers), stop', async () => {
    expect((await create({ test_id: 't1', num_participants: 2, duration_seconds: 30 })).statusCode).toBe(201);
    const early = await app.inject({ method: 'POST', url: '/api/v1/test/t1/spike', payload: { type: 'rtp_packet_loss', duration_seconds: 2, params: { loss_percentage: '50' } } });
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toMatch(/start/);
    const started = await app.inject({ method: 'POST', url: '/api/v1/test/t1/start' });
    expect(started.statusCode).toBe(200);
    expect(started.json()).toMatchObject({ test_id: 't1', state: 'queued' });
    expect((await app.inject({ method: 'POST', url: '/api/v1/test/t1/start' })).statusCode).toBe(409);
    const run = runner.run('t1');
    run.begin();
    run.send(1000, 1200, 990, { lossPercent: 1, jitterMs: 3, mos: 4.1 });
    await eventually(() => registry.get('t1').state === 'running');
    const spike = await app.inject({
      method: 'POST',
      url: '/api/v1/test/t1/spike',
      payload: { spike_id: 'boom', type: 'rtp_packet_loss', duration_seconds: 30, participant_ids: [1001, 1002], params: { loss_percentage: '15' } },
    });
    expect(spike.statusCode, spike.body).toBe(200);
    expect(spike.json()).toMatchObject({ spike_id: 'boom', id: 'live.0', participant_ids: [1001, 1002], start_ms: 1000, end_ms: 31_000 });
    expect(run.spikes[0]).toMatchObject({ type: 'rtp_packet_loss', durationMs: 30_000, participantIds: [1001, 1002], params: { lossPercent: 15, pattern: 'random' } });
    const jitter = await app.inject({ method: 'POST', url: '/api/v1/test/t1/spike', payload: { type: 'network_jitter', duration_seconds: 1.5, params: { base_latency_ms: 20, jitter_std_dev_ms: '7.5' } } });
    expect(jitter.statusCode).toBe(200);
    expect(run.spikes[1]).toMatchObject({ durationMs: 1500, participantIds: [], params: { baseLatencyMs: 20, jitterStdDevMs: 7.5 } });
    const bw = await app.inject({ method: 'POST', url: '/api/v1/test/t1/spike', payload: { type: 'bandwidth_limit', duration_seconds: 3, params: { bandwidth_kbps: '500' } } });
    expect(run.spikes[2]?.params, bw.body).toMatchObject({ bandwidthKbps: 500, queueMs: 200 });
    const unknownIds = await app.inject({ method: 'POST', url: '/api/v1/test/t1/spike', payload: { type: 'frame_drop', duration_seconds: 3, participant_ids: [999_999], params: { drop_percentage: 5 } } });
    expect(unknownIds.statusCode).toBe(400);
    expect(unknownIds.json().message).toMatch(/999999/);
    const m = (await get('/api/v1/test/t1/metrics')).json();
    expect(m).toMatchObject({
      test_id: 't1',
      state: 'running',
      participants_total: 2,
      duration_seconds: 30,
      packets_sent_total: 1000,
      bytes_sent_total: 1_200_000,
      packets_received_total: 990,
      spikes_active: 3,
      packet_loss_percent: 1,
      jitter_ms: 3,
      mos: 4.1,
      verdict: null,
    });
    const stopped = await app.inject({ method: 'POST', url: '/api/v1/test/t1/stop' });
    expect(stopped.statusCode).toBe(200);
    expect(run.stopReason).toBe('cancelled');
    await eventually(() => registry.get('t1').state === 'cancelled');
    expect((await get('/api/v1/test/t1/metrics')).json()).toMatchObject({ state: 'cancelled', verdict: { status: 'aborted', exit_code: 143 } });
    // the test is also a run: its reports download from the runs API
    expect((await get('/api/v1/runs/t1/report.json')).statusCode).toBe(200);
  });

  it('a created test that is stopped never starts', async () => {
    await create({ test_id: 't2', num_participants: 1, duration_seconds: 5 });
    expect((await app.inject({ method: 'POST', url: '/api/v1/test/t2/stop' })).json()).toMatchObject({ state: 'cancelled' });
    expect((await app.inject({ method: 'POST', url: '/api/v1/test/t2/start' })).statusCode).toBe(409);
    expect(runner.runs.size).toBe(0);
  });

  it('sdp: 409 with the reason for a UDP test and before start; offer and answer for a started WebRTC test', async () => {
    await create({ test_id: 'udp', num_participants: 1, duration_seconds: 5 });
    await app.inject({ method: 'POST', url: '/api/v1/test/udp/start' });
    const udp = await get('/api/v1/test/udp/sdp/1001');
    expect(udp.statusCode).toBe(409);
    expect(udp.json().message).toMatch(/udp test.*transport.*webrtc/);

    expect((await create({ test_id: 'rtc', num_participants: 2, duration_seconds: 5, transport: 'webrtc' })).statusCode).toBe(201);
    const early = await get('/api/v1/test/rtc/sdp/1001');
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toMatch(/not started/);
    await app.inject({ method: 'POST', url: '/api/v1/test/rtc/start' });
    expect(runner.run('rtc').request.signaling).toBe('external');
    const offer = await get('/api/v1/test/rtc/sdp/1001');
    expect(offer.statusCode).toBe(200);
    expect(offer.json()).toMatchObject({ participant_id: 1001, sdp_offer: expect.stringMatching(/^v=0/) });
    const answer = await app.inject({ method: 'POST', url: '/api/v1/test/rtc/sdp/1001', payload: { sdp_answer: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' } });
    expect(answer.statusCode).toBe(200);
    expect(runner.run('rtc').answers.get(1001)).toMatch(/^v=0/);
  });
});

describe('service routes', () => {
  it('/healthz answers ok with the version', async () => {
    const res = await get('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', runsActive: 0 });
  });

  it('/metrics is the Prometheus text format', async () => {
    const res = await get('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE av_chaos_monkey_packets_sent_total counter');
    expect(res.body).not.toContain('av_chaos_monkey_jitter_ms');
    expect((await get('/metrics?names=original')).body).toContain('# TYPE av_chaos_monkey_jitter_ms gauge');
  });

  it('/openapi.json is generated from the route schemas, with additionalProperties false on bodies', async () => {
    const doc = (await get('/openapi.json')).json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { additionalProperties?: boolean } }> } }>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/runs',
        '/api/v1/runs/{id}',
        '/api/v1/runs/{id}/report.{kind}',
        '/api/v1/test/create',
        '/api/v1/test/{id}/start',
        '/api/v1/test/{id}/stop',
        '/api/v1/test/{id}/metrics',
        '/api/v1/test/{id}/spike',
        '/api/v1/test/{id}/sdp/{participant_id}',
        '/metrics',
        '/healthz',
      ]),
    );
    expect(doc.paths['/api/v1/test/create']!.post!.requestBody!.content['application/json']!.schema.additionalProperties).toBe(false);
    expect(Object.keys(doc.paths['/api/v1/runs']!.post!.requestBody!.content)).toEqual(expect.arrayContaining(['application/yaml', 'text/yaml', 'application/json']));
  });

  it('unknown routes are a JSON 404', async () => {
    const res = await get('/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'E_NOT_FOUND' });
  });
});
