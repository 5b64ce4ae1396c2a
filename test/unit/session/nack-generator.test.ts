import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NACK_MODEL, NackGenerator } from '../../../src/session/index.js';

const never = (): boolean => false;
/** One collectDue call's numbers. */
function collect(g: NackGenerator, nowMs: number, isSettled: (ext: number) => boolean = never, max = 64): number[] {
  const out = new Uint16Array(max);
  const n = g.collectDue(nowMs, isSettled, out);
  return Array.from(out.subarray(0, n));
}

describe('NackGenerator (RFC 4585 6.2.1: which sequence numbers the receiver NACKs, and when)', () => {
  it('a gap is NACKed after the reordering wait, then again every retry interval', () => {
    const g = new NackGenerator();
    g.onGap(10, 12, 0);
    expect(g.pending).toBe(3);
    expect(g.nextDueMs()).toBe(NACK_MODEL.REORDER_WAIT_MS);
    expect(collect(g, 9)).toEqual([]);
    expect(collect(g, 10)).toEqual([10, 11, 12]);
    expect(g.retryIntervalMs()).toBe(NACK_MODEL.MIN_RETRY_MS);
    expect(g.nextDueMs()).toBe(30);
    expect(collect(g, 29)).toEqual([]);
    expect(collect(g, 30)).toEqual([10, 11, 12]);
    expect(collect(g, 55)).toEqual([10, 11, 12]);
    expect(g.nextDueMs()).toBe(75);
  });

  it('a packet that arrives within the reordering wait is never NACKed, and its arrival is no recovery', () => {
    const g = new NackGenerator();
    g.onGap(10, 12, 0);
    expect(g.onArrival(11, 4)).toBe(false);
    expect(g.wasNacked(11)).toBe(false);
    expect(collect(g, 10)).toEqual([10, 12]);
    expect(g.pending).toBe(2); // the tombstone is gone after the pass
  });

  it('a NACKed packet that arrives is a recovery: its round trip is measured (EWMA, gain 1/8) and sets the retry interval', () => {
    const g = new NackGenerator();
    g.onGap(1, 2, 0);
    collect(g, 10);
    expect(g.wasNacked(1)).toBe(true);
    expect(g.onArrival(1, 50)).toBe(true);
    expect(g.lastRoundTripMs).toBe(40);
    expect(g.roundTripMs).toBe(40);
    expect(g.retryIntervalMs()).toBe(60); // 1.5 x the round trip, above the 20 ms floor
    expect(g.onArrival(2, 90)).toBe(true);
    expect(g.lastRoundTripMs).toBe(80);
    expect(g.roundTripMs).toBe(45);
    // The sample runs from the latest NACK of the number, not the first.
    g.onGap(5, 5, 100);
    collect(g, 110);
    collect(g, 180);
    g.onArrival(5, 200);
    expect(g.lastRoundTripMs).toBe(20);
    // A second arrival of the same number is not another recovery.
    expect(g.onArrival(5, 210)).toBe(false);
  });

  it('gives up a number after MAX_RETRIES NACKs', () => {
    const g = new NackGenerator();
    g.onGap(7, 7, 0);
    let sent = 0;
    for (let t = 0; t <= 1000; t += 5) sent += collect(g, t).length;
    expect(sent).toBe(NACK_MODEL.MAX_RETRIES);
    expect(g.pending).toBe(0);
    expect(g.nextDueMs()).toBe(Infinity);
  });

  it('drops numbers the playout has settled (played or given up): NACKing them is pointless', () => {
    const g = new NackGenerator();
    g.onGap(100, 105, 0);
    expect(collect(g, 10, (ext) => ext < 103)).toEqual([103, 104, 105]);
    expect(g.pending).toBe(3);
  });

  it('collects at most out.length numbers per call; the rest stay due', () => {
    const g = new NackGenerator();
    g.onGap(0, 99, 0);
    expect(collect(g, 10, never, 64)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(collect(g, 10, never, 64)).toEqual(Array.from({ length: 36 }, (_, i) => 64 + i));
    expect(collect(g, 10, never, 64)).toEqual([]);
  });

  it('hands out 16-bit sequence numbers of extended ones, ascending across the wrap', () => {
    const g = new NackGenerator();
    g.onGap(65_534, 65_537, 0);
    expect(collect(g, 10)).toEqual([65_534, 65_535, 0, 1]);
  });

  it('a gap that does not fit clears the list and sets overflowed (ask for a keyframe instead); arrived numbers make room first', () => {
    const g = new NackGenerator(8);
    g.onGap(0, 5, 0);
    for (const ext of [0, 1, 2, 3]) g.onArrival(ext, 1);
    g.onGap(7, 12, 2); // 2 live + 6 = 8: fits once the tombstones are compacted
    expect(g.overflowed).toBe(false);
    expect(collect(g, 20)).toEqual([4, 5, 7, 8, 9, 10, 11, 12]);
    g.onGap(14, 14, 30);
    expect(g.overflowed).toBe(true);
    expect(g.pending).toBe(0);
    expect(collect(g, 100)).toEqual([]);
    // A gap larger than the whole list overflows on its own.
    const h = new NackGenerator(8);
    h.onGap(0, 8, 0);
    expect([h.overflowed, h.pending]).toEqual([true, 0]);
  });

  it('clear() forgets the list; onGap with an empty range does nothing', () => {
    const g = new NackGenerator();
    g.onGap(3, 2, 0);
    expect(g.pending).toBe(0);
    g.onGap(3, 9, 0);
    g.clear();
    expect(g.pending).toBe(0);
    expect(collect(g, 100)).toEqual([]);
  });

  it('wasNacked stays true after the entry left the list (recovered, settled or out of retries): later copies are retransmissions too', () => {
    const g = new NackGenerator();
    g.onGap(10, 12, 0);
    collect(g, 10);
    g.onArrival(10, 20); // recovered
    collect(g, 30, (ext) => ext === 11); // 11 settled and dropped
    g.clear(); // 12 forgotten with the list
    for (const ext of [10, 11, 12]) expect(g.wasNacked(ext), `ext ${ext}`).toBe(true);
    expect(g.wasNacked(13)).toBe(false);
    // Remembered for NACKED_MEMORY numbers: the same slot taken by a later NACK forgets the old one.
    g.onGap(10 + NACK_MODEL.NACKED_MEMORY, 10 + NACK_MODEL.NACKED_MEMORY, 100);
    collect(g, 200);
    expect(g.wasNacked(10)).toBe(false);
    expect(g.wasNacked(10 + NACK_MODEL.NACKED_MEMORY)).toBe(true);
  });

  it('property: under random gaps, arrivals and passes it NACKs exactly what a plain model says, sorted, never an arrived or settled number', () => {
    type Op = { kind: 'gap'; size: number; skip: number } | { kind: 'arrive'; pick: number } | { kind: 'collect'; advanceMs: number; settleBelow: number; max: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('gap' as const), size: fc.integer({ min: 1, max: 12 }), skip: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('arrive' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('collect' as const), advanceMs: fc.integer({ min: 0, max: 40 }), settleBelow: fc.nat({ max: 30 }), max: fc.integer({ min: 1, max: 8 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.integer({ min: 65_500, max: 65_535 }), (ops, start) => {
        const capacity = 24;
        const g = new NackGenerator(capacity);
        /** The model: ext -> its NACK state, in insertion (= ascending) order. */
        const model = new Map<number, { nextSendMs: number; retries: number; lastSentMs: number }>();
        const everNacked = new Set<number>();
        let next = start;
        let nowMs = 0;
        let rtt = 0;
        for (const o of ops) {
          if (o.kind === 'gap') {
            const from = next + o.skip;
            const to = from + o.size - 1;
            next = to + 2; // the packet after the gap arrived
            g.onGap(from, to, nowMs);
            if (model.size + o.size > capacity) {
              model.clear();
              expect(g.overflowed).toBe(true);
              g.overflowed = false;
            } else for (let e = from; e <= to; e++) model.set(e, { nextSendMs: nowMs + NACK_MODEL.REORDER_WAIT_MS, retries: 0, lastSentMs: -1 });
          } else if (o.kind === 'arrive') {
            const keys = [...model.keys()];
            const ext = keys.length > 0 ? keys[o.pick % keys.length] : next + 1000;
            const entry = model.get(ext);
            const recovered = entry !== undefined && entry.lastSentMs >= 0;
            expect(g.wasNacked(ext)).toBe(everNacked.has(ext));
            expect(g.onArrival(ext, nowMs)).toBe(recovered);
            if (recovered) rtt = rtt === 0 ? nowMs - entry.lastSentMs : rtt + (nowMs - entry.lastSentMs - rtt) / 8;
            model.delete(ext);
          } else {
            nowMs += o.advanceMs;
            const settled = (ext: number): boolean => ext < start + o.settleBelow;
            const retry = Math.max(NACK_MODEL.MIN_RETRY_MS, rtt * NACK_MODEL.RETRY_RTT_FACTOR);
            const expected: number[] = [];
            for (const [ext, e] of model) {
              if (settled(ext) || e.retries >= NACK_MODEL.MAX_RETRIES) {
                model.delete(ext);
                continue;
              }
              if (e.nextSendMs <= nowMs && expected.length < o.max) {
                expected.push(ext);
                e.retries++;
                e.lastSentMs = nowMs;
                e.nextSendMs = nowMs + retry;
                everNacked.add(ext);
              }
            }
            expect(collect(g, nowMs, settled, o.max)).toEqual(expected.map((e) => e & 0xffff));
          }
          expect(g.roundTripMs).toBeCloseTo(rtt, 9);
          const due = Math.min(...[...model.values()].map((e) => e.nextSendMs));
          expect(g.nextDueMs()).toBe(due);
        }
      }),
      { numRuns: 400, seed: 4585 },
    );
  });
});
