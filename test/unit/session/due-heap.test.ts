import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DueHeap } from '../../../src/session/index.js';

describe('DueHeap', () => {
  it('pops due entries earliest first, only those due at or before now; peek says when the next is due', () => {
    const h = new DueHeap(4);
    expect(h.peekDueMs()).toBe(Infinity);
    expect(h.popDue(1e9)).toBe(-1);
    for (const [due, id] of [[30, 3], [10, 1], [20, 2], [10, 4], [5, 0]]) h.push(due, id);
    expect(h.length).toBe(5); // grew past its initial 4
    expect(h.peekDueMs()).toBe(5);
    expect(h.popDue(4)).toBe(-1);
    expect(h.popDue(5)).toBe(0);
    const ten = [h.popDue(15), h.popDue(15)].sort();
    expect(ten).toEqual([1, 4]);
    expect(h.popDue(15)).toBe(-1);
    expect(h.popDue(100)).toBe(2);
    expect(h.popDue(100)).toBe(3);
    expect(h.length).toBe(0);
  });

  it('property: pops in due order whatever the pushes, like a sorted list', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.nat({ max: 1000 })), { maxLength: 300 }), fc.integer({ min: 0, max: 1000 }), (entries, nowMs) => {
        const h = new DueHeap(1);
        entries.forEach(([due], id) => h.push(due, id));
        const popped: number[] = [];
        for (let id = h.popDue(nowMs); id >= 0; id = h.popDue(nowMs)) popped.push(entries[id][0]);
        const expected = entries.map(([due]) => due).filter((due) => due <= nowMs).sort((a, b) => a - b);
        expect(popped).toEqual(expected);
        expect(h.length).toBe(entries.length - expected.length);
        expect(h.peekDueMs()).toBe(Math.min(Infinity, ...entries.map(([due]) => due).filter((due) => due > nowMs)));
      }),
      { numRuns: 300, seed: 74 },
    );
  });
});
