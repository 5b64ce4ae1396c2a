import { describe, expect, it } from 'vitest';
import { DelayLine } from '../../../src/engine/delay-line.js';

function header(byte: number): Buffer {
  return Buffer.alloc(28, byte);
}

describe('DelayLine', () => {
  it('releases packets in leave-time order, not arrival order (jitter reorders)', () => {
    const line = new DelayLine(8, 64);
    const payload = Buffer.from('p');
    line.push(30, 1, 0, header(1), 28, payload);
    line.push(10, 2, 0, header(2), 28, payload);
    line.push(20, 3, 0, header(3), 28, payload);
    const seen: [number, number][] = [];
    line.drain(25, { sendDelayed: (stream, _kind, h) => seen.push([stream, h[0]]) });
    expect(seen).toEqual([
      [2, 2],
      [3, 3],
    ]);
    expect(line.nextDueMs()).toBe(30);
  });

  it('copies the header, so the caller can reuse its buffer right away', () => {
    const line = new DelayLine(4, 64);
    const reused = header(7);
    line.push(5, 0, 0, reused, 28, Buffer.alloc(1));
    reused.fill(0);
    let first = -1;
    line.drain(5, { sendDelayed: (_s, _k, h, len) => (first = h.subarray(0, len)[27]) });
    expect(first).toBe(7);
  });

  it('is bounded: when full it drops and counts instead of growing', () => {
    const line = new DelayLine(2, 64);
    expect(line.push(1, 0, 0, header(1), 28, Buffer.alloc(1))).toBe(true);
    expect(line.push(2, 0, 0, header(1), 28, Buffer.alloc(1))).toBe(true);
    expect(line.push(3, 0, 0, header(1), 28, Buffer.alloc(1))).toBe(false);
    expect(line.overflowDrops).toBe(1);
    expect(line.length).toBe(2);
    line.drain(10, { sendDelayed: () => undefined });
    expect(line.length).toBe(0);
    expect(line.push(3, 0, 0, header(1), 28, Buffer.alloc(1))).toBe(true);
  });

  it('keeps heap order over many random pushes and drains', () => {
    const line = new DelayLine(1024, 32);
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const out: number[] = [];
    const sender = { sendDelayed: (stream: number) => out.push(stream) };
    for (let i = 0; i < 1000; i++) line.push(random() * 1000, i, 0, header(0), 12, Buffer.alloc(1));
    let last = -Infinity;
    for (let t = 0; t <= 1000; t += 7) {
      const before = out.length;
      line.drain(t, sender);
      expect(out.length).toBeGreaterThanOrEqual(before);
      expect(line.nextDueMs()).toBeGreaterThan(t);
      last = t;
    }
    line.drain(last + 1000, sender);
    expect(out).toHaveLength(1000);
    expect(new Set(out).size).toBe(1000);
  });
});
