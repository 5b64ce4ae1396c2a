import { describe, expect, it } from 'vitest';
import { isRtcp, mainSsrc, WireTally } from '../../helpers/gstreamer/wire-tally.js';

/**
 * The GStreamer oracle's own wire reading, from byte vectors built here per RFC: if it miscounts,
 * every figure the oracle tests print and assert on is wrong.
 */

/** An RTCP packet: V=2, count/FMT, PT, length in 32-bit words minus one (RFC 3550 6.4.1), then `body`. */
function rtcp(countOrFmt: number, pt: number, body: number[]): number[] {
  if (body.length % 4 !== 0) throw new Error('RTCP bodies are whole 32-bit words');
  const words = body.length / 4;
  return [0x80 | countOrFmt, pt, words >> 8, words & 0xff, ...body];
}
const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const u16 = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
/** A report block (RFC 3550 6.4.1): SSRC, fraction, 24-bit cumulative lost, ext. highest seq, jitter, LSR, DLSR. */
const reportBlock = (ssrc: number, fraction: number, lost24: number): number[] => [...u32(ssrc), fraction, (lost24 >> 16) & 0xff, (lost24 >> 8) & 0xff, lost24 & 0xff, ...u32(1000), ...u32(90), ...u32(0x12345678), ...u32(65536)];
/** SDES with one chunk holding a CNAME, the null item and padding to a word (RFC 3550 6.5). */
function sdesCname(ssrc: number, cname: string): number[] {
  const item = [1, cname.length, ...Buffer.from(cname)];
  const chunk = [...u32(ssrc), ...item, 0];
  while (chunk.length % 4 !== 0) chunk.push(0);
  return rtcp(1, 202, chunk);
}

describe('RFC 5761 4: RTP and RTCP told apart by the second byte', () => {
  it('192..223 is RTCP, the rest RTP', () => {
    expect(isRtcp(Buffer.from([0x80, 191]))).toBe(false);
    expect(isRtcp(Buffer.from([0x80, 192]))).toBe(true);
    expect(isRtcp(Buffer.from([0x80, 223]))).toBe(true);
    expect(isRtcp(Buffer.from([0x80, 224]))).toBe(false);
    expect(isRtcp(Buffer.from([0x80]))).toBe(false);
  });
});

describe('RTCP compounds (RFC 3550 6.1, RFC 4585 6.1)', () => {
  it('counts RR, report blocks, SDES CNAME and a generic NACK with its BLP (RFC 4585 6.2.1)', () => {
    const nacked: number[] = [];
    const tally = new WireTally({ nackObserver: { nacked: (_ssrc, seq) => nacked.push(seq) } });
    // NACK: PID 65534 and BLP bits 0 and 2 -> 65534, 65535, 1 (wrapping)
    const nack = rtcp(1, 205, [...u32(0x1111), ...u32(0x2222), ...u16(65534), ...u16(0b101)]);
    tally.add(Buffer.from([...rtcp(1, 201, [...u32(0x1111), ...reportBlock(0x2222, 64, 0xffffff)]), ...sdesCname(0x1111, 'probe'), ...nack]));
    const c = tally.snapshot();
    expect(c.rtcpDatagrams).toBe(1);
    expect(c.receiverReports).toBe(1);
    expect(c.reportBlocks).toBe(1);
    expect(c.sdes).toBe(1);
    expect(c.cnames).toEqual(['probe']);
    expect(c.nacks).toBe(1);
    expect(c.nackedSequenceNumbers).toBe(3);
    expect(nacked).toEqual([65534, 65535, 1]);
    expect(c.compoundsNotStartingWithReport).toBe(0);
    expect(c.compoundsWithoutCname).toBe(0);
    expect(c.malformedRtcp).toBe(0);
    expect(c.reportBlocksBySource[0x2222]).toEqual({ reporterSsrc: 0x1111, sourceSsrc: 0x2222, fractionLost: 0.25, cumulativeLost: -1, highestSequence: 1000, jitter: 90, lsr: 0x12345678, dlsr: 65536 });
  });

  it('counts PLI (PSFB FMT 1) and FIR (PSFB FMT 4, RFC 5104 4.3.1) apart', () => {
    const tally = new WireTally();
    const pli = rtcp(1, 206, [...u32(0x1111), ...u32(0x2222)]);
    const fir = rtcp(4, 206, [...u32(0x1111), ...u32(0), ...u32(0x2222), 7, 0, 0, 0]);
    tally.add(Buffer.from([...rtcp(0, 201, u32(0x1111)), ...sdesCname(0x1111, 'x'), ...pli]));
    tally.add(Buffer.from([...rtcp(0, 201, u32(0x1111)), ...sdesCname(0x1111, 'x'), ...fir]));
    const c = tally.snapshot();
    expect([c.plis, c.firs, c.nacks, c.receiverReports, c.reportBlocks]).toEqual([1, 1, 0, 2, 0]);
  });

  it('flags a compound that starts with SDES or lacks a CNAME, and a length running past the datagram', () => {
    const tally = new WireTally();
    const senderInfo = [...u32(0x3333), ...u32(1), ...u32(2), ...u32(3), ...u32(4), ...u32(5)];
    tally.add(Buffer.from(rtcp(0, 200, senderInfo))); // SR alone: no CNAME
    tally.add(Buffer.from(sdesCname(0x3333, 'y'))); // SDES first
    tally.add(Buffer.from([0x80, 201, 0, 9, ...u32(0x3333)])); // claims 10 words, has 2
    const c = tally.snapshot();
    expect(c.senderReports).toBe(1);
    expect(c.compoundsWithoutCname).toBe(1); // the SR alone; a malformed compound is counted as malformed only
    expect(c.compoundsNotStartingWithReport).toBe(1);
    expect(c.malformedRtcp).toBe(1);
  });
});

describe('RTP counting', () => {
  /** An RTP packet with the RFC 8285 one-byte extension avcm sends (participant id, abs-send-time). */
  function rtp(pt: number, seq: number, ts: number, ssrc: number, marker: boolean, payload: number[]): Buffer {
    const extension = [0xbe, 0xde, 0, 3, 0x13, 0, 0, 3, 0xe9, 0x22, 1, 2, 3, 0, 0, 0];
    return Buffer.from([0x90, (marker ? 0x80 : 0) | pt, ...u16(seq), ...u32(ts), ...u32(ssrc), ...extension, ...payload]);
  }

  it('counts H.264 IDR access units once per timestamp: FU-A start, single NAL, STAP-A (RFC 6184 5.6-5.8)', () => {
    const tally = new WireTally();
    tally.add(rtp(96, 1, 3000, 7, false, [0x7c, 0x85, 0xaa])); // FU-A start of an IDR (type 5)
    tally.add(rtp(96, 2, 3000, 7, true, [0x7c, 0x45, 0xbb])); // FU-A end of the same unit
    tally.add(rtp(96, 3, 6000, 7, true, [0x41, 0x9a])); // a non-IDR slice (type 1)
    tally.add(rtp(96, 4, 9000, 7, true, [0x65, 0x88])); // a single IDR NAL unit
    tally.add(rtp(96, 5, 12000, 7, true, [0x78, 0, 2, 0x67, 0x42, 0, 2, 0x65, 0x88])); // STAP-A: SPS + IDR
    tally.add(rtp(97, 1, 12000, 8, true, [0, 4, 0x65, 0x88])); // RTX of seq 4: not the H.264 payload type
    const c = tally.snapshot();
    expect(c.h264Idrs).toBe(3);
    expect(c.rtpPackets).toBe(6);
    expect(c.rtpByPayloadType).toEqual({ 96: 5, 97: 1 });
    expect(c.markedFramesByPayloadType).toEqual({ 96: 4, 97: 1 });
    expect(mainSsrc(c, 96)).toBe(7);
    expect(mainSsrc(c, 97)).toBe(8);
    expect(mainSsrc(c, 111)).toBeUndefined();
  });

  it('a packet resent on its own SSRC later (rtprtxqueue) is not another frame or IDR; timestamps wrap in serial order', () => {
    const tally = new WireTally();
    tally.add(rtp(96, 1, 0xffff_f000, 7, true, [0x65, 0x88])); // IDR
    tally.add(rtp(96, 2, 0x0000_0b00, 7, true, [0x41, 0x9a])); // the next frame, after the 32-bit wrap
    tally.add(rtp(96, 1, 0xffff_f000, 7, true, [0x65, 0x88])); // the IDR packet again
    tally.add(rtp(96, 3, 0x0000_1600, 7, true, [0x41, 0x9a]));
    const c = tally.snapshot();
    expect(c.markedFramesByPayloadType).toEqual({ 96: 3 });
    expect(c.h264Idrs).toBe(1);
    expect(c.rtpPackets).toBe(4);
  });
});
