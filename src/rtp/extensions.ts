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
/** See `TWO_BYTE_PROFILE_MASK`. */
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

/** Bytes of the extension block (4-byte extension header + data, padded) each layout writes: 16 or 8. */
export function extensionBlockBytes(layout: ExtensionLayout['layout']): number {
  // rfc8285: 0xBEDE + length, [id|3] 4 bytes, [id|2] 3 bytes, 3 bytes padding = 4 + 12
  // legacy: 0x0001 + length 1, then the 4-byte little-endian participant id = 4 + 4
  return layout === 'rfc8285' ? 16 : 8;
}

/** The extension values avcm reads; -1 (a length 0) when a packet does not carry them. */
export interface ExtensionValues {
  participantId: number;
  absSendTime: number;
  /**
   * Where the RFC 8852 rtp-stream-id (a simulcast layer's RID, ASCII) is in the buffer: offset and
   * length of its bytes, left in place so reading it allocates nothing; length 0 without one.
   */
  ridOffset: number;
  ridLength: number;
}

/** The URI of the RID extension (RFC 8852 3.1), as negotiated by `a=extmap`. */
export const RTP_STREAM_ID_URI = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
/** The URI of the repaired-RID extension RTX packets carry (RFC 8852 3.2). */
export const REPAIRED_RTP_STREAM_ID_URI = 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id';
/** The URI of the MID extension (RFC 8843 15.2). */
export const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';

/**
 * Reads avcm's values (participant id, abs-send-time, a simulcast layer's RID) from one RTP
 * header extension block (`profile` and the data bytes `buf[dataStart, dataEnd)`) into `out`,
 * leaving fields it does not find untouched. Knows the
 * RFC 8285 one-byte (0xBEDE) and two-byte (0x100X) forms, skipping unknown elements and
 * elements of the wrong size, and the legacy layout. Other profiles are ignored. Allocates
 * nothing and never reads outside `[dataStart, dataEnd)`; the caller checks `dataEnd <= buf.length`.
 */
export function readExtensionBlock(buf: Uint8Array, profile: number, dataStart: number, dataEnd: number, ids: ExtensionLayout, out: ExtensionValues): void {
  if (profile === ONE_BYTE_PROFILE) readOneByte(buf, dataStart, dataEnd, ids, out);
  else if ((profile & TWO_BYTE_PROFILE_MASK) === TWO_BYTE_PROFILE) readTwoByte(buf, dataStart, dataEnd, ids, out);
  else if (profile === LEGACY_PROFILE && dataEnd - dataStart >= 4) {
    out.participantId = (buf[dataStart] | (buf[dataStart + 1] << 8) | (buf[dataStart + 2] << 16) | (buf[dataStart + 3] << 24)) >>> 0;
  }
}

function readElement(buf: Uint8Array, at: number, len: number, id: number, ids: ExtensionLayout, out: ExtensionValues): void {
  if (id === ids.participantIdId && len === 4) {
    out.participantId = ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
  } else if (id === ids.absSendTimeId && len === 3) {
    out.absSendTime = (buf[at] << 16) | (buf[at + 1] << 8) | buf[at + 2];
  } else if (id === ids.ridId && len > 0) {
    out.ridOffset = at;
    out.ridLength = len;
  }
}

/** RFC 8285 4.2: [ID(4) | L(4) = length - 1][data] elements; ID 0 is a padding byte, ID 15 stops parsing. */
function readOneByte(buf: Uint8Array, at: number, end: number, ids: ExtensionLayout, out: ExtensionValues): void {
  while (at < end) {
    const head = buf[at];
    if (head === 0) {
      at++;
      continue;
    }
    const id = head >> 4;
    if (id === 15) return;
    const len = (head & 0x0f) + 1;
    if (at + 1 + len > end) return;
    readElement(buf, at + 1, len, id, ids, out);
    at += 1 + len;
  }
}

/** RFC 8285 4.3: [ID(8)][L(8)][data] elements; ID 0 is a padding byte, length 0 is allowed. */
function readTwoByte(buf: Uint8Array, at: number, end: number, ids: ExtensionLayout, out: ExtensionValues): void {
  while (at < end) {
    const id = buf[at];
    if (id === 0) {
      at++;
      continue;
    }
    if (at + 2 > end) return;
    const len = buf[at + 1];
    if (at + 2 + len > end) return;
    readElement(buf, at + 2, len, id, ids, out);
    at += 2 + len;
  }
}
