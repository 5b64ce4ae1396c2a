/**
 * RTCP writers (RFC 3550 6.4-6.6, RFC 4585 6.2-6.3, RFC 5104 4.3.1, REMB draft): each writes one
 * RTCP packet into a caller-owned buffer at `offset` and returns the offset after it, so a compound
 * packet is a chain of calls into one preallocated buffer. Nothing is allocated. Callers size the
 * buffer: `SR_BYTES`, `RR_BYTES`, `REPORT_BLOCK_BYTES`, `sdesCnameBytes`, `nackBytes`, ...
 */
import { FMT_AFB, FMT_FIR, FMT_GENERIC_NACK, FMT_PLI, RTCP_BYE, RTCP_PSFB, RTCP_RR, RTCP_RTPFB, RTCP_SDES, RTCP_SR, SDES_CNAME } from './packet-types.js';
import { NTP_UNIX_OFFSET_S, TWO_POW_32 } from './ntp.js';

export const SR_BYTES = 28;
export const RR_BYTES = 8;
export const REPORT_BLOCK_BYTES = 24;
export const PLI_BYTES = 12;
export const FIR_BYTES = 20;

/** One reception report block (RFC 3550 6.4.1); a reusable struct, filled by the receiver side. */
export interface ReportBlock {
  /** SSRC of the source this block reports on. */
  ssrc: number;
  /** Fraction of packets lost since the previous report, 0..255 (loss / expected * 256). */
  fractionLost: number;
  /** Cumulative packets lost (expected - received), signed 24 bits (duplicates make it negative). */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | highest). */
  extendedHighestSeq: number;
  /** Interarrival jitter in RTP timestamp units. */
  jitter: number;
  /** Middle 32 bits of the last SR's NTP timestamp from this source; 0 if none yet. */
  lsr: number;
  /** Delay since that SR was received, 1/65536 s; 0 if none. */
  dlsr: number;
}

export function emptyReportBlock(): ReportBlock {
  return { ssrc: 0, fractionLost: 0, cumulativeLost: 0, extendedHighestSeq: 0, jitter: 0, lsr: 0, dlsr: 0 };
}

function writeHeader(buf: Uint8Array, offset: number, countOrFmt: number, packetType: number, totalBytes: number): void {
  buf[offset] = 0x80 | (countOrFmt & 0x1f);
  buf[offset + 1] = packetType;
  // Length in 32-bit words minus one (RFC 3550 6.4.1).
  const words = totalBytes / 4 - 1;
  buf[offset + 2] = (words >>> 8) & 0xff;
  buf[offset + 3] = words & 0xff;
}

/**
 * Writes 32 bits big-endian. Callers pass the value as an int32 (`x | 0`: the same bits as the
 * unsigned value): that is always a V8 small integer, so a call that is not inlined does not box
 * it into a HeapNumber as it would an unsigned value >= 2^31.
 */
function u32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = (value >>> 24) & 0xff;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}

function u16(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = (value >>> 8) & 0xff;
  buf[offset + 1] = value & 0xff;
}

function writeBlocks(buf: Uint8Array, offset: number, blocks: readonly ReportBlock[], count: number): number {
  let at = offset;
  for (let i = 0; i < count; i++) {
    const b = blocks[i];
    u32(buf, at, b.ssrc | 0);
    // Cumulative lost is a signed 24-bit value, clamped to its range (RFC 3550 6.4.1).
    const lost = Math.max(-0x80_0000, Math.min(0x7f_ffff, Math.trunc(b.cumulativeLost)));
    buf[at + 4] = Math.max(0, Math.min(255, b.fractionLost | 0));
    buf[at + 5] = (lost >>> 16) & 0xff;
    buf[at + 6] = (lost >>> 8) & 0xff;
    buf[at + 7] = lost & 0xff;
    u32(buf, at + 8, b.extendedHighestSeq | 0);
    u32(buf, at + 12, Math.max(0, Math.min(0xffff_ffff, Math.round(b.jitter))) | 0);
    u32(buf, at + 16, b.lsr | 0);
    u32(buf, at + 20, b.dlsr | 0);
    at += REPORT_BLOCK_BYTES;
  }
  return at;
}

/** The default for an SR without blocks: one shared array, where a `= []` default is a new one per call. */
const NO_BLOCKS: readonly ReportBlock[] = Object.freeze([]);

/**
 * Sender report: `ssrc`'s NTP time `epochMs` and the RTP timestamp of that same instant, packets
 * and payload octets sent so far (mod 2^32), then `count` report blocks (0..31).
 */
export function writeSenderReport(buf: Uint8Array, offset: number, ssrc: number, epochMs: number, rtpTimestamp: number, packetCount: number, octetCount: number, blocks: readonly ReportBlock[] = NO_BLOCKS, count = 0): number {
  const total = SR_BYTES + count * REPORT_BLOCK_BYTES;
  writeHeader(buf, offset, count, RTCP_SR, total);
  u32(buf, offset + 4, ssrc | 0);
  // ntpSeconds / ntpFraction spelled out: calling them would box `epochMs` (a double) whenever
  // the JIT does not inline them. The property tests hold the two to the same values.
  const wholeSeconds = Math.floor(epochMs / 1000);
  u32(buf, offset + 8, (wholeSeconds + NTP_UNIX_OFFSET_S) | 0);
  u32(buf, offset + 12, Math.floor(((epochMs - wholeSeconds * 1000) / 1000) * TWO_POW_32) | 0);
  u32(buf, offset + 16, rtpTimestamp | 0);
  u32(buf, offset + 20, packetCount | 0); // ToInt32 is the modulo 2^32
  u32(buf, offset + 24, octetCount | 0);
  return writeBlocks(buf, offset + SR_BYTES, blocks, count);
}

/** Receiver report from `ssrc` with `count` report blocks (0..31; an empty RR may lead a compound of feedback). */
export function writeReceiverReport(buf: Uint8Array, offset: number, ssrc: number, blocks: readonly ReportBlock[], count: number): number {
  writeHeader(buf, offset, count, RTCP_RR, RR_BYTES + count * REPORT_BLOCK_BYTES);
  u32(buf, offset + 4, ssrc | 0);
  return writeBlocks(buf, offset + RR_BYTES, blocks, count);
}

/** Bytes of an SDES packet with one chunk carrying one CNAME of `cnameLength` bytes (null-terminated, padded). */
export function sdesCnameBytes(cnameLength: number): number {
  // header 4 + SSRC 4 + type 1 + length 1 + text + at least one null octet, padded to 32 bits.
  return 4 + Math.ceil((4 + 2 + cnameLength + 1) / 4) * 4;
}

/** SDES with one chunk: `ssrc`'s CNAME (`cname` as bytes, at most 255). */
export function writeSdesCname(buf: Uint8Array, offset: number, ssrc: number, cname: Uint8Array): number {
  const length = Math.min(255, cname.length);
  const total = sdesCnameBytes(length);
  writeHeader(buf, offset, 1, RTCP_SDES, total);
  u32(buf, offset + 4, ssrc | 0);
  buf[offset + 8] = SDES_CNAME;
  buf[offset + 9] = length;
  // Byte by byte: `cname.subarray` would allocate a view per compound.
  for (let i = 0; i < length; i++) buf[offset + 10 + i] = cname[i];
  // The item list ends with a null octet; the chunk is padded to 32 bits with more nulls.
  buf.fill(0, offset + 10 + length, offset + total);
  return offset + total;
}

/** Bytes of a BYE for `count` SSRCs (no reason text). */
export function byeBytes(count: number): number {
  return 4 + 4 * count;
}

/** BYE for the first `count` SSRCs of `ssrcs` (RFC 3550 6.6), without a reason. */
export function writeBye(buf: Uint8Array, offset: number, ssrcs: readonly number[], count: number): number {
  writeHeader(buf, offset, count, RTCP_BYE, byeBytes(count));
  for (let i = 0; i < count; i++) u32(buf, offset + 4 + 4 * i, ssrcs[i] | 0);
  return offset + byeBytes(count);
}

/**
 * How many FCI entries (PID + 16-bit BLP) the sequence numbers need: a new entry starts whenever a
 * number is more than 16 after the entry's PID. `seqs` ascending in 16-bit serial order.
 */
export function nackEntryCount(seqs: ArrayLike<number>, count: number): number {
  let entries = 0;
  let pid = -1;
  for (let i = 0; i < count; i++) {
    const seq = seqs[i] & 0xffff;
    const delta = pid < 0 ? -1 : (seq - pid) & 0xffff;
    if (pid < 0 || delta > 16) {
      entries++;
      pid = seq;
    }
  }
  return entries;
}

/** Bytes of a generic NACK with `entries` FCI entries. */
export function nackBytes(entries: number): number {
  return 12 + 4 * entries;
}

/**
 * Generic NACK (RFC 4585 6.2.1) from `senderSsrc` for `mediaSsrc` listing the first `count`
 * sequence numbers of `seqs` (ascending in 16-bit serial order; duplicates are folded). Size the
 * buffer with `nackBytes(nackEntryCount(seqs, count))`.
 */
export function writeNack(buf: Uint8Array, offset: number, senderSsrc: number, mediaSsrc: number, seqs: ArrayLike<number>, count: number): number {
  const entries = nackEntryCount(seqs, count);
  writeHeader(buf, offset, FMT_GENERIC_NACK, RTCP_RTPFB, nackBytes(entries));
  u32(buf, offset + 4, senderSsrc | 0);
  u32(buf, offset + 8, mediaSsrc | 0);
  let at = offset + 12 - 4;
  let pid = -1;
  let blp = 0;
  for (let i = 0; i < count; i++) {
    const seq = seqs[i] & 0xffff;
    const delta = pid < 0 ? -1 : (seq - pid) & 0xffff;
    if (delta >= 1 && delta <= 16) {
      blp |= 1 << (delta - 1);
      continue;
    }
    if (delta === 0) continue;
    if (pid >= 0) u16(buf, at + 2, blp);
    at += 4;
    pid = seq;
    blp = 0;
    u16(buf, at, pid);
  }
  if (pid >= 0) u16(buf, at + 2, blp);
  return offset + nackBytes(entries);
}

/** Picture loss indication (RFC 4585 6.3.1) from `senderSsrc` for `mediaSsrc`. */
export function writePli(buf: Uint8Array, offset: number, senderSsrc: number, mediaSsrc: number): number {
  writeHeader(buf, offset, FMT_PLI, RTCP_PSFB, PLI_BYTES);
  u32(buf, offset + 4, senderSsrc | 0);
  u32(buf, offset + 8, mediaSsrc | 0);
  return offset + PLI_BYTES;
}

/**
 * Full intra request (RFC 5104 4.3.1) from `senderSsrc` asking `targetSsrc` for a keyframe;
 * `sequenceNumber` (8 bits) increases with every new request, repeats of one request keep it.
 */
export function writeFir(buf: Uint8Array, offset: number, senderSsrc: number, targetSsrc: number, sequenceNumber: number): number {
  writeHeader(buf, offset, FMT_FIR, RTCP_PSFB, FIR_BYTES);
  u32(buf, offset + 4, senderSsrc | 0);
  // RFC 5104 4.3.1.2: the media source SSRC of a FIR is unused and SHALL be 0; the FCI names the target.
  u32(buf, offset + 8, 0);
  u32(buf, offset + 12, targetSsrc | 0);
  buf[offset + 16] = sequenceNumber & 0xff;
  buf[offset + 17] = 0;
  buf[offset + 18] = 0;
  buf[offset + 19] = 0;
  return offset + FIR_BYTES;
}

/** Bytes of a REMB naming `ssrcCount` streams. */
export function rembBytes(ssrcCount: number): number {
  return 20 + 4 * ssrcCount;
}

/**
 * Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb, PSFB FMT 15 "REMB"): the
 * receiver's estimate `bitrateBps` for the first `count` SSRCs of `ssrcs`, as 6-bit exponent and
 * 18-bit mantissa (rounded down, so the value sent never exceeds the estimate; saturates at
 * 0x3ffff * 2^63, and a negative or NaN estimate is sent as 0).
 */
export function writeRemb(buf: Uint8Array, offset: number, senderSsrc: number, bitrateBps: number, ssrcs: readonly number[], count: number): number {
  writeHeader(buf, offset, FMT_AFB, RTCP_PSFB, rembBytes(count));
  u32(buf, offset + 4, senderSsrc | 0);
  u32(buf, offset + 8, 0);
  buf[offset + 12] = 0x52; // 'R'
  buf[offset + 13] = 0x45; // 'E'
  buf[offset + 14] = 0x4d; // 'M'
  buf[offset + 15] = 0x42; // 'B'
  // `> 0` also turns NaN into 0.
  let mantissa = bitrateBps > 0 ? Math.floor(bitrateBps) : 0;
  let exponent = 0;
  while (mantissa > 0x3_ffff && exponent < 63) {
    mantissa = Math.floor(mantissa / 2);
    exponent++;
  }
  // Beyond 0x3ffff * 2^63 (or Infinity) the largest encodable rate is sent, not the low bits of the excess.
  if (mantissa > 0x3_ffff) mantissa = 0x3_ffff;
  buf[offset + 16] = count & 0xff;
  buf[offset + 17] = ((exponent & 0x3f) << 2) | ((mantissa >>> 16) & 0x03);
  buf[offset + 18] = (mantissa >>> 8) & 0xff;
  buf[offset + 19] = mantissa & 0xff;
  for (let i = 0; i < count; i++) u32(buf, offset + 20 + 4 * i, ssrcs[i] | 0);
  return offset + rembBytes(count);
}
