import { describe, expect, it } from 'vitest';
import { SILENCE_MIN_MS, StreamStats } from '../../../src/probe/index.js';
import { parsed } from './packets.js';

const START = 1_700_000_000_000;

/** A 50 pkt/s audio stream fed packet by packet at run-relative `arrivalMs`. */
function stream(): { stats: StreamStats; at: (arrivalMs: number) => void } {
  const stats = new StreamStats({ ssrc: 42, media: 'audio', payloadType: 111, participantId: 1001, runStartEpochMs: START });
  let seq = 100;
  return { stats, at: (arrivalMs) => stats.ingest(parsed(seq, seq++ * 960), 128, arrivalMs, Math.floor(arrivalMs / 1000)) };
}

describe('silences: spans without any packet of a stream (the data of outage_seconds)', () => {
  it('packet spacing and jitter are not silences; a stall of SILENCE_MIN_MS or more is, with its start and end', () => {
    const { stats, at } = stream();
    for (let t = 0; t < 2_000; t += 20) at(t);
    at(2_000 + SILENCE_MIN_MS - 21); // 199 ms after the last one: below the bound
    at(4_500); // a stall of about 2.3 s
    at(4_520);
    expect(stats.report().silences).toEqual([{ startMs: 2_000 + SILENCE_MIN_MS - 21, endMs: 4_500 }]);
  });

  it('holds the longest 64 when a stream stalls more often, in time order', () => {
    const { stats, at } = stream();
    let t = 0;
    for (let i = 0; i < 100; i++) {
      at(t);
      // Silences of 200..299 ms, the longest among the last ones.
      t += 200 + i;
    }
    at(t);
    const silences = stats.report().silences!;
    expect(silences).toHaveLength(64);
    expect(Math.min(...silences.map((s) => s.endMs - s.startMs))).toBe(200 + 36);
    expect(silences.map((s) => s.startMs)).toEqual([...silences.map((s) => s.startMs)].sort((a, b) => a - b));
  });

  it('moves with the run start, like first/last seen', () => {
    const { stats, at } = stream();
    at(0);
    at(1_000);
    stats.setRunStart(START + 500);
    expect(stats.report().silences).toEqual([{ startMs: -500, endMs: 500 }]);
  });
});
