import { describe, expect, it } from 'vitest';
import { slopePerMin } from '../../../src/bench/index.js';

describe('soak slope', () => {
  it('least squares per minute; unknown values are left out; flat is 0', () => {
    expect(slopePerMin([[10, 100], [20, 101], [30, 102]])).toBe(6);
    expect(slopePerMin([[10, 5], [20, null], [30, 5]])).toBe(0);
    expect(slopePerMin([[10, 5]])).toBeNull();
  });
});
