import { readExtensionBlock, type ExtensionLayout } from './extensions.js';

/** An RTP packet's fields, filled in place by `parseRtp` (one reused object per receiver). */
export interface ParsedRtp {
  marker: boolean;
  padding: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcCount: number;
  payloadOffset: number;
  payloadLength: number;
  /** From the participant-id extension (RFC 8285 or the legacy layout); -1 when absent. */
  participantId: number;
  /** 24-bit abs-send-time; -1 when absent. */
  absSendTime: number;
  /** A simulcast layer's RID (RFC 8852, under `ids.ridId`): its bytes' offset in the buffer and length; length 0 when absent. */
  ridOffset: number;
  ridLength: number;
}

/** A fresh `ParsedRtp` to reuse across `parseRtp` calls (create one per receiver, not per packet). */
export function createParsedRtp(): ParsedRtp {
  return { marker: false, padding: false, payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, csrcCount: 0, payloadOffset: 0, payloadLength: 0, participantId: -1, absSendTime: -1, ridOffset: -1, ridLength: 0 };
}

/**
 * Parses an RTP packet (RFC 3550 5.1, RFC 8285 extensions, the RFC 8852 RID) into `out` without allocating.
 * `length` is the number of valid bytes in `buf` (a reused receive buffer may be longer).
 * Reads both the RFC 8285 layout (one- and two-byte forms, extension ids from `ids`, other
 * elements skipped) and the legacy layout (profile 0x0001, little-endian participant id),
 * whatever `ids.layout` says, so one probe can measure both kinds of sender. Returns false for
 * anything that is not a well-formed RTP v2 packet (`out` is then unspecified); never throws.
 * An empty payload is valid (RFC 3550 allows it).
 */
export function parseRtp(buf: Uint8Array, length: number, ids: ExtensionLayout, out: ParsedRtp): boolean {
  // also rejects a fractional or NaN length, which would index past the data
  if (!(length >= 12 && length <= buf.length) || (length | 0) !== length) return false;
  const b0 = buf[0];
  if (b0 >> 6 !== 2) return false;
  const hasPadding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  let offset = 12 + csrcCount * 4;
  if (offset > length) return false;
  out.participantId = -1;
  out.absSendTime = -1;
  out.ridOffset = -1;
  out.ridLength = 0;
  if (hasExtension) {
    if (offset + 4 > length) return false;
    const profile = (buf[offset] << 8) | buf[offset + 1];
    const words = (buf[offset + 2] << 8) | buf[offset + 3];
    const dataStart = offset + 4;
    const dataEnd = dataStart + words * 4;
    if (dataEnd > length) return false;
    readExtensionBlock(buf, profile, dataStart, dataEnd, ids, out);
    offset = dataEnd;
  }
  let end = length;
  if (hasPadding) {
    const pad = buf[length - 1];
    if (pad === 0 || offset + pad > length) return false;
    end = length - pad;
  }
  out.marker = (buf[1] & 0x80) !== 0;
  out.padding = hasPadding;
  out.payloadType = buf[1] & 0x7f;
  out.sequenceNumber = (buf[2] << 8) | buf[3];
  out.timestamp = ((buf[4] << 24) | (buf[5] << 16) | (buf[6] << 8) | buf[7]) >>> 0;
  out.ssrc = ((buf[8] << 24) | (buf[9] << 16) | (buf[10] << 8) | buf[11]) >>> 0;
  out.csrcCount = csrcCount;
  out.payloadOffset = offset;
  out.payloadLength = end - offset;
  return true;
}

/**
 * The RID of the packet `parseRtp` just read into `p` (ASCII, RFC 8852), or null when it carried
 * none. Allocates the string: call it when a stream first shows a RID, never per packet.
 */
export function readRid(buf: Uint8Array, p: Pick<ParsedRtp, 'ridOffset' | 'ridLength'>): string | null {
  if (p.ridLength <= 0) return null;
  return String.fromCharCode(...buf.subarray(p.ridOffset, p.ridOffset + p.ridLength));
}
