import { describe, expect, it } from 'vitest';
import type { EngineIo } from '../../../src/engine/engine-io.js';
import { LatenessHistogram, PartitionEngine } from '../../../src/engine/index.js';
import type { ParticipantTransport } from '../../../src/engine/transport.js';
import { loadMediaLibrary } from '../../../src/media/index.js';
import { planOf } from '../../helpers/results.js';

// An engine reports its counters every window (the agent's `stats` lines, parsed and merged by the
// controller, in a long run thousands of times): such a report must not grow with the run.

describe('PartitionEngine reports', () => {
  it('a report during the run stays the same size however many lateness buckets stalls reached; the final one has the whole histogram', async () => {
    const { plan } = planOf('duration: 20s\nparticipants: { count: 2, base_port: 0 }\n');
    const media = await loadMediaLibrary(plan.media, { baseDir: process.cwd() });
    const io: EngineIo = { path: 'batched', flush: () => undefined, wouldBlock: 0, sendDropped: 0 };
    let sent = 0;
    const engine = await PartitionEngine.create({
      plan,
      partition: 0,
      media,
      io,
      openTransport: async () => {
        const transport: ParticipantTransport = { send: () => void sent++, onFeedback: () => undefined, errors: 0, queueBusy: 0, close: async () => undefined };
        return transport;
      },
    });
    try {
      // A clock far before the run start: `run` arms one distant timer and the test drives `tick`.
      let nowMs = -1e6;
      void engine.run({ nowMs: () => nowMs, epochMs: () => 1_700_000_000_000 + nowMs });
      const tick = (at: number): void => {
        nowMs = at;
        engine.tick(at, 1_700_000_000_000 + at);
      };
      // Ticks at uneven gaps (1 to 80 ms, as a busy event loop runs them): frames leave late by
      // amounts spread over hundreds of 0.1 ms buckets.
      const reportBytes: number[] = [];
      let at = 0;
      for (let k = 0; at < 15_000; k++) {
        tick(at);
        at += 1 + ((k * 37.3) % 80);
        if (reportBytes.length < Math.floor(at / 1000)) reportBytes.push(JSON.stringify(engine.snapshot()).length);
      }
      expect(sent).toBeGreaterThan(1000);
      const final = engine.snapshot(true);
      expect(final.lateness.buckets.length).toBeGreaterThan(200);
      const whole = new LatenessHistogram();
      whole.merge(final.lateness);
      expect(whole.total()).toBeGreaterThan(500);
      // Window 2's report and window 14's are alike in size (counters gain a digit or two), while
      // the histogram reached hundreds more buckets in between.
      expect(reportBytes.at(-1)! - reportBytes[1]).toBeLessThan(200);
      const during = engine.snapshot();
      expect(during.lateness.buckets).toEqual([]);
      expect(during.lateness.maxMs).toBe(final.lateness.maxMs);
      expect(during.senders).toBeNull();
    } finally {
      await engine.close();
    }
  });
});
