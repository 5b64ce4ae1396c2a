import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultBackends } from '../../src/backends/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import type { ProbeReport } from '../../src/probe/types.js';
import { createRunner } from '../../src/runner/index.js';
import { buildServer } from '../../src/server/index.js';
import { runCli } from '../helpers/cli.js';

/**
 * The original platform's WebRTC flow over REST: a test with WebRTC participants is created and
 * started on `avcm serve`; `avcm receive --webrtc` fetches each participant's offer, answers it,
 * and measures the same per-stream stats as the UDP probe.
 */
describe('avcm receive --webrtc against avcm serve', () => {
  it('answers every participant over REST and measures zero loss at the expected rates', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-wrest-'));
    const metrics = createMetrics();
    const runner = createRunner({ backends: defaultBackends(), env: process.env, cwd: dir, log: () => undefined });
    const { app } = await buildServer({ runner, metrics, reportsDir: dir });
    const api = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const created = await app.inject({ method: 'POST', url: '/api/v1/test/create', payload: { test_id: 'wr1', num_participants: 2, duration_seconds: 8, transport: 'webrtc' } });
      expect(created.statusCode, created.body).toBe(201);
      expect((await app.inject({ method: 'POST', url: '/api/v1/test/wr1/start' })).statusCode).toBe(200);
      const json = path.join(dir, 'probe.json');
      const receive = await runCli(['receive', '--webrtc', '--api', api, '--test', 'wr1', '--count', '2', '--duration', '7s', '--json', json, '--quiet'], { cwd: dir });
      expect(receive.code, receive.stderr).toBe(0);
      const report = JSON.parse(await readFile(json, 'utf8')) as ProbeReport;
      expect(report.streams.map((s) => `${s.participantId}/${s.media}`).sort()).toEqual(['1001/audio', '1001/video', '1002/audio', '1002/video']);
      for (const s of report.streams) {
        expect(s.totals.lost).toBe(0);
        expect(s.totals.received).toBeGreaterThan(s.media === 'audio' ? 150 : 80);
      }
      const video = report.streams.find((s) => s.media === 'video')!;
      // 30 fps: a frame sent late on a busy machine lands in the next window (28, then 30), so the
      // full windows are judged together; a lost frame would still show.
      const fullWindows = video.windows.filter((w) => w.frames > 0).slice(1, -1);
      const frames = fullWindows.reduce((sum, w) => sum + w.frames, 0);
      expect(frames).toBeGreaterThanOrEqual(29 * fullWindows.length);
    } finally {
      await app.close();
      metrics.close();
    }
  }, 90_000);
});
