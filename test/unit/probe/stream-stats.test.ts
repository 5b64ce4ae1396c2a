import { describe, expect, it } from 'vitest';
import { MAX_DROPOUT, StreamStats } from '../../../src/probe/index.js';
import { absSendTime, parsed } from './packets.js';

const START = 1_700_000_000_000;

function audio(opts: { expectedWindows?: number } = {}): StreamStats {
  return new StreamStats({ ssrc: 42, media: 'audio', payloadType: 111, participantId: 1001, runStartEpochMs: START, ...opts });
}

/** Feeds [seq, arrivalMs] pairs of a 50 pkt/s audio stream (timestamp = seq * 960). */
function feed(s: StreamStats, arrivals: [number, number][]): void {
  for (const [seq, t] of arrivals) s.ingest(parsed(seq, seq * 960), 128, t, Math.floor(t / 1000));
}

const inOrder = (seqs: number[], stepMs = 20): [number, number][] => seqs.map((seq, i) => [seq, i * stepMs]);

describe('RFC 3550 A.1 extended sequence numbers / A.3 expected and lost', () => {
  it('wraps 65535 -> 0 without loss', () => {
    const s = audio();
    feed(s, inOrder([65533, 65534, 65535, 0, 1, 2]));
    expect(s.report().totals).toMatchObject({ received: 6, expected: 6, lost: 0, reordered: 0, duplicates: 0 });
  });

  it('a reordered packet is counted as reordered, not lost; a duplicate is neither', () => {
    const s = audio();
    feed(s, inOrder([10, 11, 13, 12, 14, 14, 15, 12]));
    expect(s.report().totals).toMatchObject({ received: 6, expected: 6, lost: 0, reordered: 1, duplicates: 2 });
  });

  it('reordering across the wrap: 65535 after 0 is late, not a new cycle', () => {
    const s = audio();
    feed(s, inOrder([65533, 65534, 0, 65535, 1]));
    expect(s.report().totals).toMatchObject({ received: 5, expected: 5, lost: 0, reordered: 1 });
  });

  it('a real gap is loss: expected = highest - base + 1', () => {
    const s = audio();
    feed(s, inOrder([0, 1, 2, 6, 7]));
    // expected = 7 - 0 + 1 = 8, received 5, lost 3
    expect(s.report().totals).toMatchObject({ received: 5, expected: 8, lost: 3 });
  });

  it('the first two packets swapped: the stream began at the lower one', () => {
    const s = audio();
    feed(s, inOrder([101, 100, 102]));
    expect(s.report().totals).toMatchObject({ received: 3, expected: 3, lost: 0, reordered: 1 });
  });

  it(`a loss burst longer than MAX_DROPOUT (${MAX_DROPOUT}) is loss when the RTP timestamp advanced with it`, () => {
    // Video, 300 pkt/s (timestamp +300 per packet at 90 kHz); packets 100..4099 (13.3 s) lost.
    const s = new StreamStats({ ssrc: 7, media: 'video', payloadType: 96, participantId: 1, runStartEpochMs: START });
    const at = (seq: number): number => (seq * 1000) / 300;
    for (let seq = 0; seq < 5000; seq++) {
      if (seq >= 100 && seq < 4100) continue;
      s.ingest(parsed(seq, seq * 300, { payloadType: 96 }), 1000, at(seq), Math.floor(at(seq) / 1000));
    }
    expect(s.report().totals).toMatchObject({ received: 1000, expected: 5000, lost: 4000 });
  });

  it('a sender restart (jump with an unrelated timestamp) is confirmed by the next packet and re-based (RFC 3550 A.1 probation)', () => {
    const s = audio();
    feed(s, inOrder([0, 1, 2, 3, 4]));
    // restart: sequence 40000.., timestamp random; 40000 is on probation (dropped), 40001 confirms
    for (let i = 0; i < 5; i++) s.ingest(parsed(40_000 + i, 123_456_789 + i * 960), 128, 100 + i * 20, 0);
    expect(s.report().totals).toMatchObject({ received: 9, expected: 9, lost: 0 });
  });

  it('a single stray jump is dropped on probation and does not re-base the stream', () => {
    const s = audio();
    feed(s, inOrder([0, 1, 2]));
    s.ingest(parsed(30_000, 999_999), 128, 60, 0);
    feed(s, [[3, 80], [4, 100]]);
    expect(s.report().totals).toMatchObject({ received: 5, expected: 5, lost: 0 });
  });

  it('a packet late by more than MAX_MISORDER with an older timestamp is late, not a restart', () => {
    const s = audio();
    const seqs: [number, number][] = [];
    for (let seq = 0; seq < 200; seq++) if (seq !== 50) seqs.push([seq, seq * 20]);
    seqs.push([50, 4000]); // 149 behind the highest
    for (let seq = 200; seq < 210; seq++) seqs.push([seq, seq * 20 + 20]);
    feed(s, seqs);
    expect(s.report().totals).toMatchObject({ received: 210, expected: 210, lost: 0, reordered: 1 });
  });
});

describe('windows', () => {
  it('a long gap is loss in the windows the missing packets were due in', () => {
    // 50 pkt/s; 100..149 arrive in window 0, 150..249 are lost, 250..299 arrive in window 3
    const s = audio();
    const arrivals: [number, number][] = [];
    for (let seq = 100; seq < 150; seq++) arrivals.push([seq, (seq - 100) * 20]);
    for (let seq = 250; seq < 300; seq++) arrivals.push([seq, (seq - 100) * 20]);
    feed(s, arrivals);
    const r = s.report(4);
    // gap from 980 ms to 3000 ms, 101 steps of 20 ms: seq 150+k-1 due at 980 + 20k -> windows 1 and 2
    expect(r.windows.map((w) => w.expected)).toEqual([50, 50, 50, 50]);
    expect(r.windows.map((w) => w.received)).toEqual([50, 0, 0, 50]);
    expect(r.windows.map((w) => w.lost)).toEqual([0, 50, 50, 0]);
    expect(r.totals).toMatchObject({ received: 100, expected: 200, lost: 100 });
  });

  it('a short gap across a window boundary is loss in the window it opened in', () => {
    const s = audio();
    const arrivals = inOrder(Array.from({ length: 60 }, (_, i) => i)).filter(([seq]) => seq !== 50);
    feed(s, arrivals);
    const r = s.report(2);
    expect(r.windows.map((w) => [w.expected, w.received, w.lost])).toEqual([
      [51, 50, 1],
      [9, 9, 0],
    ]);
  });

  it('a late packet arriving in the next window fills the window it was expected in', () => {
    const s = audio();
    const arrivals: [number, number][] = [];
    for (let seq = 0; seq < 49; seq++) arrivals.push([seq, seq * 20]);
    arrivals.push([50, 1000], [49, 1010], [51, 1020]);
    feed(s, arrivals);
    const r = s.report(2);
    expect(r.windows[0]).toMatchObject({ expected: 50, received: 49, lost: 0, reordered: 0 });
    expect(r.windows[1]).toMatchObject({ expected: 2, received: 3, lost: 0, reordered: 1 });
    expect(r.totals).toMatchObject({ expected: 52, received: 52, lost: 0 });
  });

  it('windows are dense, grow past the preallocated count, and count bytes and frames', () => {
    const s = audio({ expectedWindows: 2 });
    feed(s, Array.from({ length: 500 }, (_, i): [number, number] => [i, i * 20]));
    const r = s.report();
    expect(r.windows).toHaveLength(10);
    expect(r.windows.map((w) => w.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.windows.every((w) => w.received === 50 && w.frames === 50 && w.bytes === 50 * 128)).toBe(true);
    expect(r.totals).toMatchObject({ received: 500, bytes: 64_000, frames: 500 });
  });

  it('windows after the report range fold into its last window', () => {
    const s = audio();
    feed(s, Array.from({ length: 150 }, (_, i): [number, number] => [i, i * 20]));
    const r = s.report(2);
    expect(r.windows.map((w) => w.received)).toEqual([50, 100]);
    expect(r.totals.received).toBe(150);
  });

  it('video frames are packets with the marker bit', () => {
    const s = new StreamStats({ ssrc: 7, media: 'video', payloadType: 96, participantId: 1 });
    for (let i = 0; i < 30; i++) s.ingest(parsed(i, Math.floor(i / 3) * 3000, { marker: i % 3 === 2 }), 1200, i * 11, 0);
    expect(s.report().totals.frames).toBe(10);
  });
});

describe('RFC 3550 6.4.1 / A.8 interarrival jitter', () => {
  it('equals the hand-computed J for a known arrival pattern (audio, 48 kHz)', () => {
    // 20 ms packets (960 units). Arrivals deviate from the grid by +0, +5, -3, +2 ms.
    // Arrival spacing 25, 12, 25 ms vs 20 ms of timestamp: D = +5, -8, +5 ms = 240, 384, 240 units.
    // J1 = 0 + (240 - 0)/16 = 15
    // J2 = 15 + (384 - 15)/16 = 38.0625
    // J3 = 38.0625 + (240 - 38.0625)/16 = 50.68359375 units = 50.68359375 / 48 ms = 1.055908203125 ms
    const s = audio();
    feed(s, [0, 5, -3, 2].map((off, i): [number, number] => [i, i * 20 + off]));
    expect(s.report().totals.jitterMs).toBeCloseTo(1.055908203125, 9);
  });

  it('video: packets with the timestamp of the previous one are skipped (one frame leaves back to back)', () => {
    // 3 frames of 3 packets (timestamps 0, 3000, 6000 at 90 kHz), packets 0.1 ms apart within a frame.
    // Frames arrive at 0, 40, 70 ms; only each frame's first packet counts:
    // transit = arrival*90 - ts: 0, 3600 - 3000 = 600, 6300 - 6000 = 300; D = 600, -300
    // J1 = 600/16 = 37.5; J2 = 37.5 + (300 - 37.5)/16 = 53.90625 units = 53.90625 / 90 ms
    const s = new StreamStats({ ssrc: 7, media: 'video', payloadType: 96, participantId: 1 });
    const frameAt = [0, 40, 70];
    let seq = 0;
    frameAt.forEach((t, frame) => {
      for (let k = 0; k < 3; k++) s.ingest(parsed(seq++, frame * 3000, { marker: k === 2 }), 1200, t + k * 0.1, 0);
    });
    expect(s.report().totals.jitterMs).toBeCloseTo(53.90625 / 90, 9);
  });

  it('a perfectly paced stream has zero jitter', () => {
    const s = audio();
    feed(s, inOrder(Array.from({ length: 100 }, (_, i) => i)));
    expect(s.report().totals.jitterMs).toBe(0);
  });
});

describe('one-way delay from abs-send-time', () => {
  it('averages and maxes per window; null when no packet carried it', () => {
    const s = audio();
    for (let i = 0; i < 100; i++) {
      const arrivalMs = i * 20;
      const delayMs = 30 + (i % 5); // 30..34 ms
      s.ingest(parsed(i, i * 960, { absSendTime: i < 50 ? absSendTime(START + arrivalMs - delayMs) : -1 }), 128, arrivalMs, Math.floor(arrivalMs / 1000));
    }
    const [w0, w1] = s.report(2).windows;
    expect(w0.delayMsAvg!).toBeCloseTo(32, 1); // abs-send-time resolves 3.8 us
    expect(w0.delayMsMax!).toBeCloseTo(34, 1);
    expect(w1.delayMsAvg).toBeNull();
    expect(w1.delayMsMax).toBeNull();
  });
});
