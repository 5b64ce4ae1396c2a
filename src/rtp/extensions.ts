/**
 * RTP header extensions (RFC 8285) and the abs-send-time clock.
 *
 * abs-send-time (webrtc.org "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"): 24 bits,
 * 6.18 fixed-point seconds, so it wraps every 64 s; the probe turns it into one-way delay.
 */
import type { ExtensionPlan } from '../plan/types.js';

/** Which extension layout and ids a stream uses (the plan's `extensions`). */
export type ExtensionLayout = ExtensionPlan;

/** The one-byte-header extension profile (RFC 8285 section 4.2). */
export const ONE_BYTE_PROFILE = 0xbede;
/** Two-byte-header profiles are 0x100X (RFC 8285 section 4.3); we parse them, never send them. */
export const TWO_BYTE_PROFILE_MASK = 0xfff0;
export const TWO_BYTE_PROFILE = 0x1000;
/** The original platform's layout: the extension "profile" field is the id 1, one word, LE id. */
export const LEGACY_PROFILE = 0x0001;

const ABS_SEND_TIME_WRAP_MS = 64_000;
const ABS_SEND_TIME_UNITS_PER_S = 1 << 18;

/**
 * Wall-clock time `epochMs` (ms since the Unix epoch, fractions allowed) -> the 24-bit
 * abs-send-time (seconds mod 64, 18 fractional bits) to pass to `RtpHeaderWriter.stamp`.
 */
export function absSendTimeFromMs(epochMs: number): number {
  const msInWrap = wrapMs(epochMs);
  return Math.floor((msInWrap * ABS_SEND_TIME_UNITS_PER_S) / 1000) & 0xffffff;
}

/**
 * One-way delay (ms) of a packet stamped `sent24` and received at `receivedEpochMs`, assuming the
 * delay is under 32 s (the 64 s wrap is folded to the nearest interpretation). Tiny negative
 * values from clock granularity are kept as they are (they average out, clamping would bias).
 */
export function absSendTimeDeltaMs(sent24: number, receivedEpochMs: number): number {
  const sentMs = (sent24 * 1000) / ABS_SEND_TIME_UNITS_PER_S;
  const receivedMs = wrapMs(receivedEpochMs);
  let delta = receivedMs - sentMs;
  if (delta > ABS_SEND_TIME_WRAP_MS / 2) delta -= ABS_SEND_TIME_WRAP_MS;
  else if (delta < -ABS_SEND_TIME_WRAP_MS / 2) delta += ABS_SEND_TIME_WRAP_MS;
  return delta;
}

/** `ms` folded into [0, 64000), also for negative inputs (times before the epoch in tests). */
function wrapMs(ms: number): number {
  const r = ms % ABS_SEND_TIME_WRAP_MS;
  return r < 0 ? r + ABS_SEND_TIME_WRAP_MS : r;
}

/** Bytes of the extension block (4-byte extension header + data, padded) each layout writes. */
export function extensionBlockBytes(layout: ExtensionLayout['layout']): number {
  // rfc8285: 0xBEDE + length, [id|3] 4 bytes, [id|2] 3 bytes, 3 bytes padding = 4 + 12
  // legacy: 0x0001 + length 1, then the 4-byte little-endian participant id = 4 + 4
  return layout === 'rfc8285' ? 16 : 8;
}
