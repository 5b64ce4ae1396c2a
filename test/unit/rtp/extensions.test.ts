import { describe, expect, it } from 'vitest';
import { absSendTimeDeltaMs, absSendTimeFromMs } from '../../../src/rtp/index.js';

describe('abs-send-time: 24-bit 6.18 fixed-point seconds, mod 64 s', () => {
  it('encodes seconds with 18 fractional bits', () => {
    expect(absSendTimeFromMs(0)).toBe(0);
    expect(absSendTimeFromMs(1000)).toBe(1 << 18);
    expect(absSendTimeFromMs(500)).toBe(1 << 17);
    expect(absSendTimeFromMs(63_999.999)).toBe(0xffffff);
    expect(absSendTimeFromMs(64_000)).toBe(0);
    expect(absSendTimeFromMs(64_000 * 1000 + 2500)).toBe(2.5 * (1 << 18));
    expect(absSendTimeFromMs(-1000)).toBe(63 << 18);
  });

  it('gives the one-way delay in ms, within a 3.8 us step', () => {
    const now = 1_700_000_000_123.4;
    expect(absSendTimeDeltaMs(absSendTimeFromMs(now), now + 42)).toBeCloseTo(42, 1);
    expect(absSendTimeDeltaMs(absSendTimeFromMs(now), now + 5_000)).toBeCloseTo(5_000, 1);
  });

  it('handles the 64 s wrap between send and receive', () => {
    const sent = absSendTimeFromMs(1_700_000_063_990); // 63.990 s into the wrap
    expect(absSendTimeDeltaMs(sent, 1_700_000_064_015)).toBeCloseTo(25, 1);
    expect(absSendTimeDeltaMs(absSendTimeFromMs(63_900), 64_000 * 7 + 100)).toBeCloseTo(200, 1);
  });

  it('keeps a small negative delta from clock granularity as it is', () => {
    const sent = absSendTimeFromMs(10_000.6);
    expect(absSendTimeDeltaMs(sent, 10_000.2)).toBeCloseTo(-0.4, 2);
    expect(absSendTimeDeltaMs(absSendTimeFromMs(64_000 * 3), 64_000 * 3 - 0.5)).toBeCloseTo(-0.5, 2);
  });
});
