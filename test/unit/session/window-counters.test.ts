import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowCounters } from '../../../src/session/index.js';

describe('WindowCounters', () => {
  it('add, max and get per window and field; total and column over the windows written', () => {
    const c = new WindowCounters(3, 4);
    c.add(0, 0);
    c.add(0, 0, 2.5);
    c.add(2, 1, 7);
    c.max(2, 2, 5);
    c.max(2, 2, 3);
    c.max(1, 2, -1); // below the initial 0: stays 0
    expect(c.get(0, 0)).toBe(3.5);
    expect(c.get(2, 2)).toBe(5);
    expect(c.get(1, 2)).toBe(0);
    expect(c.get(9, 0)).toBe(0);
    expect(c.windowCount).toBe(3);
    expect(c.column(1)).toEqual([0, 0, 7]);
    expect(c.column(1, 5)).toEqual([0, 0, 7, 0, 0]);
    expect(c.total(0)).toBe(3.5);
  });

  it('grows past the expected windows without losing the count that made it grow (nor any other)', () => {
    const c = new WindowCounters(15, 8);
    for (let w = 0; w < 61; w++) c.add(w, 11);
    expect(c.column(11)).toEqual(new Array(61).fill(1));
    expect(c.total(11)).toBe(61);
    const d = new WindowCounters(2, 1);
    d.add(100, 1, 4);
    d.add(3, 0, 2);
    expect([d.get(100, 1), d.get(3, 0), d.windowCount]).toEqual([4, 2, 101]);
  });

  it('negative windows count in window 0; row/values address the same cells as add', () => {
    const c = new WindowCounters(2, 2);
    c.add(-5, 1, 3);
    expect(c.get(0, 1)).toBe(3);
    const row = c.row(6); // grows the table
    c.values[row + 1] += 2.25;
    expect(c.get(6, 1)).toBe(2.25);
    expect(c.windowCount).toBe(7);
  });

  it('property: any sequence of adds (in any window order) sums like a plain map', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: -5, max: 5 })), { maxLength: 200 }), fc.integer({ min: 1, max: 16 }), (ops, expected) => {
        const c = new WindowCounters(4, expected);
        const model = new Map<string, number>();
        for (const [w, f, amount] of ops) {
          c.add(w, f, amount);
          model.set(`${w}/${f}`, (model.get(`${w}/${f}`) ?? 0) + amount);
        }
        for (const [key, value] of model) {
          const [w, f] = key.split('/').map(Number);
          expect(c.get(w, f)).toBe(value);
        }
      }),
      { numRuns: 300, seed: 4242 },
    );
  });
});
