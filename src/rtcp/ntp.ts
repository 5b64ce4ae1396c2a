/**
 * NTP timestamps (RFC 5905: seconds since 1900-01-01 in 32.32 fixed point) as RTCP carries them,
 * from and to the Unix epoch milliseconds avcm's clocks give.
 */

/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
export const NTP_UNIX_OFFSET_S = 2_208_988_800;
/** 2^32: one NTP second in fraction units, and the modulus of every 32-bit RTCP field. */
export const TWO_POW_32 = 0x1_0000_0000;

/** The 32-bit NTP seconds of `epochMs` (era 0 wraps in 2036; the value is taken mod 2^32). */
export function ntpSeconds(epochMs: number): number {
  return (Math.floor(epochMs / 1000) + NTP_UNIX_OFFSET_S) % TWO_POW_32 >>> 0;
}

/** The 32-bit NTP fraction (units of 2^-32 s) of `epochMs`. */
export function ntpFraction(epochMs: number): number {
  const ms = epochMs - Math.floor(epochMs / 1000) * 1000;
  return Math.floor((ms / 1000) * TWO_POW_32) >>> 0;
}

/**
 * The "middle 32 bits" of the NTP timestamp (16.16 fixed point, RFC 3550 6.4.1): what a receiver
 * echoes as LSR and what round-trip arithmetic uses. Wraps every 65536 s.
 */
export function compactNtp(epochMs: number): number {
  return (((ntpSeconds(epochMs) & 0xffff) << 16) | (ntpFraction(epochMs) >>> 16)) >>> 0;
}

/** The compact NTP value of an SR's full timestamp (`seconds`, `fraction`). */
export function compactNtpOf(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/** A 16.16 compact NTP duration (DLSR, or a difference of two compact values) in milliseconds. */
export function compactNtpToMs(units: number): number {
  return (units * 1000) / 65_536;
}

/** Milliseconds as a 16.16 compact NTP duration (DLSR), rounded, clamped to 32 bits. */
export function msToCompactNtp(ms: number): number {
  return Math.min(0xffff_ffff, Math.max(0, Math.round((ms * 65_536) / 1000))) >>> 0;
}

/**
 * Round-trip time from a report block (RFC 3550 6.4.1): arrival (compact NTP of now) - LSR - DLSR,
 * in ms, modulo the 16.16 wrap. Returns null when the block echoes no SR (LSR 0) or the result is
 * negative beyond clock granularity (a stale or foreign LSR).
 */
export function roundTripMs(arrivalCompact: number, lsr: number, dlsr: number): number | null {
  if (lsr === 0) return null;
  const units = (arrivalCompact - lsr - dlsr) >>> 0;
  // Unsigned wrap: a "negative" RTT shows up as a value near 2^32.
  if (units > 0x8000_0000) return units > 0xffff_ff00 ? 0 : null;
  return compactNtpToMs(units);
}
