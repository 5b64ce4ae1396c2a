/**
 * RTCP reader (RFC 3550 6.4-6.6 and A.2, RFC 4585 6.1-6.3, RFC 5104 4.3.1, REMB): walks a compound
 * (or reduced-size, RFC 5506) packet and calls the visitor's method for each item it knows,
 * allocating no objects: report blocks come in one reused struct, CNAMEs as byte ranges. One cost
 * remains in the API's shape: V8 boxes a number >= 2^31 (most SSRCs, NTP seconds) passed to a
 * visitor method it does not inline, 16 bytes each (about 150 B for a full compound, measured by
 * test/unit/rtcp/allocation.test.ts).
 */
import { emptyReportBlock, type ReportBlock } from './write.js';
import { FMT_AFB, FMT_FIR, FMT_GENERIC_NACK, FMT_PLI, RTCP_BYE, RTCP_PSFB, RTCP_RR, RTCP_RTPFB, RTCP_SDES, RTCP_SR, SDES_CNAME } from './packet-types.js';

/** What a reader of RTCP may want to hear about; every method is optional. */
export interface RtcpVisitor {
  /** An SR's sender info: NTP seconds/fraction, the RTP timestamp of that instant, counts sent. */
  senderReport?(ssrc: number, ntpSeconds: number, ntpFraction: number, rtpTimestamp: number, packetCount: number, octetCount: number): void;
  /** An RR's header (its blocks follow as `reportBlock`). */
  receiverReport?(ssrc: number): void;
  /** One report block of an SR or RR sent by `reporterSsrc`. `block` is reused: copy what you keep. */
  reportBlock?(reporterSsrc: number, block: Readonly<ReportBlock>): void;
  /** A CNAME item: its text is `buf[start..end)` (UTF-8). */
  sdesCname?(ssrc: number, buf: Uint8Array, start: number, end: number): void;
  bye?(ssrc: number): void;
  /** One generic NACK FCI entry: `pid` is lost, and pid + i + 1 for every bit i set in `blp`. */
  nack?(senderSsrc: number, mediaSsrc: number, pid: number, blp: number): void;
  pli?(senderSsrc: number, mediaSsrc: number): void;
  /** One FIR FCI entry: `targetSsrc` is asked for a keyframe; a repeated request keeps its `sequenceNumber`. */
  fir?(senderSsrc: number, targetSsrc: number, sequenceNumber: number): void;
  /** A REMB: the estimate in bit/s and the SSRCs it applies to (`ssrcCount` of them from `ssrcOffset`). */
  remb?(senderSsrc: number, bitrateBps: number, buf: Uint8Array, ssrcOffset: number, ssrcCount: number): void;
}

/** Why a datagram is not a well-formed RTCP packet (`RtcpReader.read` returns null when it is). */
export type RtcpProblem = 'short' | 'version' | 'length' | 'padding';

function u32(buf: Uint8Array, at: number): number {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
}

/** A reader with its own reused report block; create one per receiving session, not per packet. */
export class RtcpReader {
  private readonly block: ReportBlock = emptyReportBlock();
  /** Packets (SR, RR, SDES, ...) the last `read` walked. */
  packets = 0;
  /** Whether the last datagram started with an SR or RR (a full compound, RFC 3550 6.1) rather than reduced-size feedback. */
  startedWithReport = false;

  /**
   * Walks `buf[0..length)`: every packet must be version 2, the lengths must add up to the
   * datagram exactly, and only the last packet may be padded (RFC 3550 A.2). Items are handed to
   * `visitor` as they are read, so a malformed tail still delivers the items before it. Returns
   * null when well formed, else what is wrong. Unknown packet types and FMTs are skipped.
   */
  read(buf: Uint8Array, length: number, visitor: RtcpVisitor): RtcpProblem | null {
    this.packets = 0;
    this.startedWithReport = false;
    if (!(length >= 4 && length <= buf.length)) return 'short';
    let at = 0;
    while (at < length) {
      if (at + 4 > length) return 'short';
      const b0 = buf[at];
      if (b0 >> 6 !== 2) return 'version';
      const count = b0 & 0x1f;
      const type = buf[at + 1];
      const bytes = (((buf[at + 2] << 8) | buf[at + 3]) + 1) * 4;
      const end = at + bytes;
      if (end > length) return 'length';
      let bodyEnd = end;
      if ((b0 & 0x20) !== 0) {
        if (end !== length) return 'padding';
        const pad = buf[end - 1];
        if (pad === 0 || pad > bytes - 4) return 'padding';
        bodyEnd = end - pad;
      }
      if (this.packets === 0) this.startedWithReport = type === RTCP_SR || type === RTCP_RR;
      this.packets++;
      this.visit(buf, at, bodyEnd, type, count, visitor);
      at = end;
    }
    return null;
  }

  private visit(buf: Uint8Array, at: number, end: number, type: number, count: number, v: RtcpVisitor): void {
    switch (type) {
      case RTCP_SR: {
        if (at + 28 > end) return;
        const ssrc = u32(buf, at + 4);
        v.senderReport?.(ssrc, u32(buf, at + 8), u32(buf, at + 12), u32(buf, at + 16), u32(buf, at + 20), u32(buf, at + 24));
        this.blocks(buf, at + 28, end, count, ssrc, v);
        return;
      }
      case RTCP_RR: {
        if (at + 8 > end) return;
        const ssrc = u32(buf, at + 4);
        v.receiverReport?.(ssrc);
        this.blocks(buf, at + 8, end, count, ssrc, v);
        return;
      }
      case RTCP_SDES:
        if (v.sdesCname) this.sdes(buf, at + 4, end, count, v);
        return;
      case RTCP_BYE:
        for (let i = 0; i < count && at + 8 + 4 * i <= end; i++) v.bye?.(u32(buf, at + 4 + 4 * i));
        return;
      case RTCP_RTPFB: {
        if (at + 12 > end || count !== FMT_GENERIC_NACK || !v.nack) return;
        const sender = u32(buf, at + 4);
        const media = u32(buf, at + 8);
        for (let f = at + 12; f + 4 <= end; f += 4) v.nack(sender, media, (buf[f] << 8) | buf[f + 1], (buf[f + 2] << 8) | buf[f + 3]);
        return;
      }
      case RTCP_PSFB: {
        if (at + 12 > end) return;
        const sender = u32(buf, at + 4);
        const media = u32(buf, at + 8);
        if (count === FMT_PLI) v.pli?.(sender, media);
        else if (count === FMT_FIR) {
          for (let f = at + 12; f + 8 <= end; f += 8) v.fir?.(sender, u32(buf, f), buf[f + 4]);
        } else if (count === FMT_AFB && at + 20 <= end && buf[at + 12] === 0x52 && buf[at + 13] === 0x45 && buf[at + 14] === 0x4d && buf[at + 15] === 0x42) {
          const ssrcCount = Math.min(buf[at + 16], Math.floor((end - at - 20) / 4));
          const exponent = buf[at + 17] >> 2;
          const mantissa = ((buf[at + 17] & 0x03) << 16) | (buf[at + 18] << 8) | buf[at + 19];
          v.remb?.(sender, mantissa * 2 ** exponent, buf, at + 20, ssrcCount);
        }
        return;
      }
    }
  }

  private blocks(buf: Uint8Array, from: number, end: number, count: number, reporter: number, v: RtcpVisitor): void {
    if (!v.reportBlock) return;
    const b = this.block;
    for (let i = 0, at = from; i < count && at + 24 <= end; i++, at += 24) {
      b.ssrc = u32(buf, at);
      b.fractionLost = buf[at + 4];
      // Sign-extend the 24-bit cumulative loss.
      b.cumulativeLost = ((buf[at + 5] << 24) | (buf[at + 6] << 16) | (buf[at + 7] << 8)) >> 8;
      b.extendedHighestSeq = u32(buf, at + 8);
      b.jitter = u32(buf, at + 12);
      b.lsr = u32(buf, at + 16);
      b.dlsr = u32(buf, at + 20);
      v.reportBlock(reporter, b);
    }
  }

  private sdes(buf: Uint8Array, from: number, end: number, count: number, v: RtcpVisitor): void {
    let at = from;
    for (let chunk = 0; chunk < count && at + 4 <= end; chunk++) {
      const ssrc = u32(buf, at);
      at += 4;
      // Items until a null type octet, then padding to the next 32-bit boundary (RFC 3550 6.5).
      while (at < end && buf[at] !== 0) {
        if (at + 2 > end) return;
        const itemType = buf[at];
        const itemLength = buf[at + 1];
        const textStart = at + 2;
        const textEnd = textStart + itemLength;
        if (textEnd > end) return;
        if (itemType === SDES_CNAME) v.sdesCname!(ssrc, buf, textStart, textEnd);
        at = textEnd;
      }
      at = (at + 4) & ~3;
    }
  }
}
