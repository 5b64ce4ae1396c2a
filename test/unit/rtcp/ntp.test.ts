import { describe, expect, it } from 'vitest';
import { compactNtp, compactNtpOf, compactNtpToMs, msToCompactNtp, ntpFraction, ntpSeconds, roundTripMs } from '../../../src/rtcp/index.js';

/** RFC 3550 6.4.1's example SR: 10 Nov 1995 11:33:25.125 UTC is NTP 0xb44db705.20000000. */
const RFC_EXAMPLE_MS = Date.UTC(1995, 10, 10, 11, 33, 25, 125);
/** The last millisecond of NTP era 0 (2036-02-07T06:28:15.999Z). */
const ERA_END_MS = (2 ** 32 - 2_208_988_800) * 1000 - 1;

describe('RFC 5905 6 / RFC 3550 4: NTP timestamps from Unix milliseconds', () => {
  it('the Unix epoch is NTP second 2_208_988_800 (0x83aa7e80), fraction 0', () => {
    expect(ntpSeconds(0)).toBe(0x83aa_7e80);
    expect(ntpFraction(0)).toBe(0);
  });

  it('RFC 3550 6.4.1 example: 10 Nov 1995 11:33:25.125 UTC is 0xb44db705 / 0x20000000', () => {
    expect(ntpSeconds(RFC_EXAMPLE_MS)).toBe(0xb44d_b705);
    expect(ntpFraction(RFC_EXAMPLE_MS)).toBe(0x2000_0000);
  });

  it('the fraction counts 2^-32 s, truncated', () => {
    expect(ntpFraction(1_700_000_000_500)).toBe(0x8000_0000);
    expect(ntpFraction(1_700_000_000_250)).toBe(0x4000_0000);
    expect(ntpFraction(1_700_000_000_001)).toBe(4_294_967); // 2^32 / 1000 = 4294967.296
    expect(ntpFraction(1_700_000_000_999)).toBe(4_290_672_328); // 0.999 * 2^32 = 4290672328.704
    expect(ntpFraction(1_700_000_000_000.5)).toBe(2_147_483); // sub-millisecond clocks keep their precision
  });

  it('era 0 ends in 2036: the seconds wrap to 0 modulo 2^32', () => {
    expect(ntpSeconds(ERA_END_MS)).toBe(0xffff_ffff);
    expect(ntpFraction(ERA_END_MS)).toBe(4_290_672_328);
    expect(ntpSeconds(ERA_END_MS + 1)).toBe(0);
    expect(ntpFraction(ERA_END_MS + 1)).toBe(0);
  });

  it('seconds and fraction agree at every millisecond across a second boundary', () => {
    for (let ms = 1_700_000_000_990; ms < 1_700_000_001_010; ms += 0.25) {
      const t = (ntpSeconds(ms) - 2_208_988_800) * 1000 + (ntpFraction(ms) / 2 ** 32) * 1000;
      expect(Math.abs(t - ms)).toBeLessThan(0.001);
    }
  });
});

describe('RFC 3550 6.4.1: compact NTP (the middle 32 bits), LSR and DLSR', () => {
  it('compactNtp is the low 16 bits of the seconds and the high 16 of the fraction', () => {
    expect(compactNtp(RFC_EXAMPLE_MS)).toBe(0xb705_2000);
    expect(compactNtpOf(0xb44d_b705, 0x2000_0000)).toBe(0xb705_2000);
    expect(compactNtp(1_700_000_000_500)).toBe(0x6f80_8000);
    expect(compactNtpOf(0xffff_ffff, 0xffff_ffff)).toBe(0xffff_ffff);
  });

  it('compactNtp of a time equals compactNtpOf its SR fields', () => {
    for (const ms of [0, RFC_EXAMPLE_MS, 1_700_000_000_123.456, ERA_END_MS]) expect(compactNtp(ms)).toBe(compactNtpOf(ntpSeconds(ms), ntpFraction(ms)));
  });

  it('DLSR is 1/65536 s: 5.25 s is 0x00054000, and back', () => {
    expect(msToCompactNtp(5250)).toBe(0x0005_4000);
    expect(compactNtpToMs(0x0005_4000)).toBe(5250);
    expect(compactNtpToMs(0x0001_0000)).toBe(1000);
    expect(msToCompactNtp(1)).toBe(66); // 65.536 rounds to 66
    expect(msToCompactNtp(-5)).toBe(0);
    expect(msToCompactNtp(1e12)).toBe(0xffff_ffff);
  });
});

describe('RFC 3550 6.4.1: round-trip time from a report block', () => {
  it('the RFC example: A 0xb7108000 - LSR 0xb7052000 - DLSR 0x00054000 = 6.125 s', () => {
    expect(roundTripMs(0xb710_8000, 0xb705_2000, 0x0005_4000)).toBe(6125);
  });

  it('wraps modulo 2^32 when the compact clock rolls over between SR and RR (every 65536 s)', () => {
    expect(roundTripMs(0x0001_8000, 0xffff_8000, 0x0000_8000)).toBe(1500);
    expect(roundTripMs(0x0000_0000, 0xffff_0000, 0)).toBe(1000);
  });

  it('LSR 0 means no SR was received yet: no round trip', () => {
    expect(roundTripMs(0x1234_5678, 0, 0)).toBeNull();
    expect(roundTripMs(0x1234_5678, 0, 0x0001_0000)).toBeNull();
  });

  it('a result negative by no more than clock granularity is 0; further negative is a stale LSR (null)', () => {
    expect(roundTripMs(0x1000_0000, 0x1000_0000, 0)).toBe(0);
    expect(roundTripMs(0x1000_0000 - 0x10, 0x1000_0000, 0)).toBe(0);
    expect(roundTripMs(0x1000_0000 - 0x100, 0x1000_0000, 0)).toBeNull();
    expect(roundTripMs(0x1000_0000, 0x1000_0000, 0x0001_0000)).toBeNull();
  });

  it('end to end: an SR sent at t, echoed after 250 ms, arriving at t + 300 ms gives 50 ms', () => {
    const t = 1_700_000_123_456.789;
    const lsr = compactNtpOf(ntpSeconds(t), ntpFraction(t));
    const rtt = roundTripMs(compactNtp(t + 300), lsr, msToCompactNtp(250));
    expect(rtt).not.toBeNull();
    expect(Math.abs(rtt! - 50)).toBeLessThan(0.05); // compact NTP resolves 1/65536 s
  });
});
