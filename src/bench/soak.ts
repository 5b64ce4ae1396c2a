import { LocalBackend } from '../backends/index.js';
import type { IoChoice } from '../io/index.js';
import { compile } from '../plan/index.js';
import { probeFeedbackOptions, ProbeReceiver } from '../probe/index.js';
import { scenarioFromText } from '../scenario/index.js';

/** One sample of a soak, taken every interval; snake_case because it is the `--json` contract. */
export interface SoakSample {
  /** Seconds since the run start. */
  at_s: number;
  /** Engine processes, summed. */
  engine_rss_mb: number | null;
  engine_heap_mb: number | null;
  /** The probe (the bench process itself). */
  probe_rss_mb: number;
  probe_heap_mb: number;
  /**
   * Where RSS goes besides the V8 heap in use: the V8 heap committed (`heap_total`: in use or
   * not; V8 keeps pages it grew into), and the memory JS objects hold outside it (`external`:
   * Buffers and typed arrays, of which `array_buffers` are ArrayBuffer backing stores, e.g. the
   * per-window tables of stream statistics). RSS minus the heap committed is native memory: code,
   * allocator arenas, the addon's buffers, and those typed arrays' pages once first written.
   */
  engine_heap_total_mb: number | null;
  engine_external_mb: number | null;
  engine_array_buffers_mb: number | null;
  probe_heap_total_mb: number;
  probe_external_mb: number;
  probe_array_buffers_mb: number;
  /** Worst event-loop delay p99 of any engine process or the probe over the interval's windows, ms. */
  event_loop_delay_p99_ms: number | null;
  packets_sent: number;
  packets_received: number;
}

/** What a soak measured: every sample, and the least-squares slope of each figure per minute. */
export interface SoakFigures {
  participants: number;
  partitions: number;
  duration_s: number;
  interval_s: number;
  samples: SoakSample[];
  /** Slopes over the samples after the first (warm-up: media cached, buffers grown); over all when there are fewer than 3. */
  slope_per_min: {
    engine_rss_mb: number | null;
    engine_heap_mb: number | null;
    probe_rss_mb: number;
    probe_heap_mb: number;
    /**
     * RSS minus the V8 heap committed: what grows here is native (allocator arenas, the addon,
     * per-window tables as their pages are first written), not V8 keeping heap it grew into
     * during a burst (which it returns later).
     */
    engine_rss_outside_v8_heap_mb: number | null;
    probe_rss_outside_v8_heap_mb: number;
    event_loop_delay_p99_ms: number | null;
  };
}

export interface SoakOptions {
  participants: number;
  durationMs: number;
  partitions: number;
  /** How often to sample, ms (10 s for `avcm bench --soak`). */
  intervalMs: number;
  io: IoChoice;
  log(line: string): void;
}

/**
 * A long run at a steady load, watching for growth: N participants of the shipped clip (feedback
 * loop on, as scenario runs do) sent by the engine processes to the built-in probe over loopback,
 * with the engines' and the probe's RSS, V8 heap and event-loop delay sampled every interval.
 * A leak shows as a slope that does not flatten; a steady state as slopes near 0.
 */
export async function runSoak(options: SoakOptions): Promise<SoakFigures> {
  const scenario = scenarioFromText(`version: 1\nname: soak-${options.participants}\nduration: ${Math.ceil(options.durationMs / 1000)}s\nparticipants: { count: ${options.participants}, base_port: 0 }\n`, 'soak');
  const plan = compile(scenario, { partitions: options.partitions, seed: 1 });
  const probe = await ProbeReceiver.open({
    listen: { host: '127.0.0.1', port: 0 },
    videoPayloadType: plan.media.video!.payloadType,
    audioPayloadType: plan.media.audio!.payloadType,
    extensions: plan.extensions,
    expectedDurationMs: plan.durationMs,
    ...probeFeedbackOptions(plan),
    io: options.io,
  });
  const abort = new AbortController();
  const backend = new LocalBackend({ baseDir: process.cwd(), engine: 'paced' });
  const handle = await backend.launch(plan, { target: probe.address, signal: abort.signal, log: options.log, io: options.io.path });
  const samples: SoakSample[] = [];
  try {
    const runStartEpochMs = Date.now() + 200;
    probe.start(runStartEpochMs);
    handle.start(runStartEpochMs);
    let sampledWindows = 0;
    const sample = (): void => {
      const atS = Math.round((Date.now() - runStartEpochMs) / 1000);
      const totals = handle.totals();
      // The health windows that ended since the last sample, of every engine and of the probe.
      const windowsNow = Math.max(0, Math.floor((Date.now() - runStartEpochMs) / 1000));
      const recent = (index: number): boolean => index >= sampledWindows && index < windowsNow;
      const delays = [
        ...totals.health.flatMap((e) => e.windows.filter((w) => recent(w.index)).map((w) => w.eventLoopDelayP99Ms)),
        ...probe.healthSoFar().filter((w) => recent(w.index)).map((w) => w.eventLoopDelayP99Ms),
      ];
      sampledWindows = windowsNow;
      const memory = process.memoryUsage();
      samples.push({
        at_s: atS,
        engine_rss_mb: totals.processes ? mb(totals.processes.rssBytes) : null,
        engine_heap_mb: totals.processes ? mb(totals.processes.heapUsedBytes) : null,
        probe_rss_mb: mb(memory.rss),
        probe_heap_mb: mb(memory.heapUsed),
        engine_heap_total_mb: totals.processes ? mb(totals.processes.heapTotalBytes) : null,
        engine_external_mb: totals.processes ? mb(totals.processes.externalBytes) : null,
        engine_array_buffers_mb: totals.processes ? mb(totals.processes.arrayBuffersBytes) : null,
        probe_heap_total_mb: mb(memory.heapTotal),
        probe_external_mb: mb(memory.external),
        probe_array_buffers_mb: mb(memory.arrayBuffers),
        event_loop_delay_p99_ms: delays.length > 0 ? Math.max(...delays) : null,
        packets_sent: totals.packetsSent,
        packets_received: probe.live().packetsReceived,
      });
      const s = samples[samples.length - 1];
      options.log(`  soak ${atS}s: engines RSS ${s.engine_rss_mb ?? '-'} MB heap ${s.engine_heap_mb ?? '-'}/${s.engine_heap_total_mb ?? '-'} MB external ${s.engine_external_mb ?? '-'} MB | probe RSS ${s.probe_rss_mb} MB heap ${s.probe_heap_mb}/${s.probe_heap_total_mb} MB external ${s.probe_external_mb} MB | event-loop delay p99 ${s.event_loop_delay_p99_ms ?? '-'} ms | ${s.packets_sent} sent, ${s.packets_received} received`);
    };
    const timer = setInterval(sample, options.intervalMs);
    try {
      await handle.finished();
    } finally {
      clearInterval(timer);
    }
  } finally {
    await handle.stop();
    await probe.close();
  }
  const fit = samples.length >= 3 ? samples.slice(1) : samples;
  const slope = (value: (s: SoakSample) => number | null): number | null => slopePerMin(fit.map((s) => [s.at_s, value(s)]));
  return {
    participants: options.participants,
    partitions: plan.partitions,
    duration_s: plan.durationMs / 1000,
    interval_s: options.intervalMs / 1000,
    samples,
    slope_per_min: {
      engine_rss_mb: slope((s) => s.engine_rss_mb),
      engine_heap_mb: slope((s) => s.engine_heap_mb),
      probe_rss_mb: slope((s) => s.probe_rss_mb) ?? 0,
      probe_heap_mb: slope((s) => s.probe_heap_mb) ?? 0,
      engine_rss_outside_v8_heap_mb: slope((s) => (s.engine_rss_mb !== null && s.engine_heap_total_mb !== null ? s.engine_rss_mb - s.engine_heap_total_mb : null)),
      probe_rss_outside_v8_heap_mb: slope((s) => s.probe_rss_mb - s.probe_heap_total_mb) ?? 0,
      event_loop_delay_p99_ms: slope((s) => s.event_loop_delay_p99_ms),
    },
  };
}

/** Least-squares slope of (seconds, value) points, per minute; null with fewer than 2 known values. */
export function slopePerMin(points: readonly (readonly [number, number | null])[]): number | null {
  const known = points.filter((p): p is [number, number] => p[1] !== null);
  if (known.length < 2) return null;
  const meanX = known.reduce((s, [x]) => s + x, 0) / known.length;
  const meanY = known.reduce((s, [, y]) => s + y, 0) / known.length;
  let num = 0;
  let den = 0;
  for (const [x, y] of known) {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  }
  return den === 0 ? 0 : Math.round((num / den) * 60 * 1000) / 1000;
}

function mb(bytes: number): number {
  return Math.round(bytes / 1e4) / 100;
}
