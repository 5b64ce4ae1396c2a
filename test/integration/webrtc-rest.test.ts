import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultBackends } from '../../src/backends/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import type { ProbeReport } from '../../src/probe/types.js';
import { createRunner } from '../../src/runner/index.js';
import { buildServer } from '../../src/server/index.js';
import { probeWindowCauses, type HealthThresholds } from '../../src/health/index.js';
import { runCli } from '../helpers/cli.js';

/** The default `health:` limits (scenario defaults), by which the probe judges its own windows. */
const PROBE_LIMITS: HealthThresholds = { markInconclusive: true, pacingLatenessMs: 25, eventLoopDelayMs: 50, cpuPercent: 95, receiveLagMs: 50, sendDrops: 0, kernelDrops: 0 };

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
      // Over loopback a packet is lost only where the probe itself fell behind (its socket buffer
      // overflowed while its event loop stalled, on a busy machine): then its own health says so.
      const probeStalled = (report.health ?? []).some((w) => probeWindowCauses(w, PROBE_LIMITS).length > 0);
      for (const s of report.streams) {
        if (!probeStalled) expect(s.totals.lost, 'lost with the probe healthy in every window').toBe(0);
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
