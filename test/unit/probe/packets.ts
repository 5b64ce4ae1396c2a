import { createParsedRtp, type ParsedRtp } from '../../../src/rtp/index.js';

/** The probe tests' extension ids (RFC 8285 one-byte form). */
export const EXT = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2, ridId: 10 };

export interface PacketFields {
  seq: number;
  ts: number;
  pt?: number;
  ssrc?: number;
  marker?: boolean;
  /** Participant id (ID 1, 4 bytes BE); null = no extension block at all. */
  participant?: number | null;
  /** 24-bit abs-send-time (ID 2, 3 bytes); -1 = not carried. */
  abs?: number;
  /** A simulcast layer's RID (ID 10, RFC 8852), after the others; absent = not carried. */
  rid?: string;
  payloadBytes?: number;
}

/**
 * A wire packet built by hand (RFC 3550 5.1 header + RFC 8285 0xBEDE block), independent of the
 * sender's header writer so the probe is checked against the RFCs, not against our own sender.
 */
export function rtpPacket(f: PacketFields): Buffer {
  const participant = f.participant === undefined ? 1001 : f.participant;
  const abs = f.abs ?? -1;
  const elements: number[] = [];
  if (participant !== null) elements.push((1 << 4) | 3, (participant >>> 24) & 0xff, (participant >>> 16) & 0xff, (participant >>> 8) & 0xff, participant & 0xff);
  if (abs >= 0) elements.push((2 << 4) | 2, (abs >>> 16) & 0xff, (abs >>> 8) & 0xff, abs & 0xff);
  if (f.rid) elements.push((10 << 4) | (f.rid.length - 1), ...Buffer.from(f.rid, 'ascii'));
  while (elements.length % 4 !== 0) elements.push(0);
  const hasExt = elements.length > 0;
  const header = Buffer.alloc(12 + (hasExt ? 4 + elements.length : 0));
  header[0] = 0x80 | (hasExt ? 0x10 : 0);
  header[1] = (f.marker ? 0x80 : 0) | ((f.pt ?? 111) & 0x7f);
  header.writeUInt16BE(f.seq & 0xffff, 2);
  header.writeUInt32BE(f.ts >>> 0, 4);
  header.writeUInt32BE((f.ssrc ?? 42) >>> 0, 8);
  if (hasExt) {
    header.writeUInt16BE(0xbede, 12);
    header.writeUInt16BE(elements.length / 4, 14);
    Buffer.from(elements).copy(header, 16);
  }
  return Buffer.concat([header, Buffer.alloc(f.payloadBytes ?? 100, 0xab)]);
}

/** A parsed packet for feeding `StreamStats` directly (the pure core, no bytes). */
export function parsed(seq: number, ts: number, extra: Partial<ParsedRtp> = {}): ParsedRtp {
  return Object.assign(createParsedRtp(), { sequenceNumber: seq & 0xffff, timestamp: ts >>> 0, payloadType: 111, ssrc: 42 }, extra);
}

/** abs-send-time of a packet sent at `epochMs` (RFC: 6.18 fixed point seconds, mod 64 s). */
export function absSendTime(epochMs: number): number {
  return Math.floor(((epochMs % 64_000) * 262_144) / 1000) & 0xffffff;
}
