import { RtcpPacketConverter, RtcpSourceDescriptionPacket, RtcpSrPacket } from 'werift';
import { describe, expect, it } from 'vitest';
import { compactNtp, ntpFraction, ntpSeconds, RtcpReader, type RtcpVisitor } from '../../../src/rtcp/index.js';
import { SenderReporter } from '../../../src/session/index.js';

const EPOCH = 1_700_000_000_000;

/** What our own reader finds in an SR + SDES compound. */
function read(buf: Uint8Array, length: number) {
  const found: { sr?: number[]; cname?: [number, string] } = {};
  const visitor: RtcpVisitor = {
    senderReport: (ssrc, s, f, ts, packets, octets) => (found.sr = [ssrc, s, f, ts, packets, octets]),
    sdesCname: (ssrc, b, start, end) => (found.cname = [ssrc, Buffer.from(b.subarray(start, end)).toString('utf8')]),
  };
  expect(new RtcpReader().read(buf, length, visitor)).toBe(null);
  return found;
}

describe('SenderReporter (RFC 3550 6.4.1 sender reports)', () => {
  it('RFC 3550 6.4.1: the RTP timestamp is the media clock at the NTP instant, on the frame grid the engine stamps', () => {
    // Video: tsStart at run ms 40 (the participant's start offset), 30 fps = 3000 ticks per frame.
    const tsStart = 1_234_567;
    const video = new SenderReporter(0xaabb_ccdd, 'avcm-7', 90_000, tsStart, 40);
    for (const frame of [0, 1, 29, 30, 3000]) {
      const frameDueMs = 40 + (frame * 1000) / 30;
      expect(video.rtpTimestampAt(frameDueMs)).toBe((tsStart + frame * 3000) % 2 ** 32); // what sendVideoFrame stamps
    }
    expect(video.rtpTimestampAt(40 + 1000 + 10)).toBe(tsStart + 90_000 + 900); // between frames: the clock runs on
    // Audio: 48 kHz, 20 ms frames of 960 ticks.
    const audio = new SenderReporter(1, 'a', 48_000, 7, 0);
    expect(audio.rtpTimestampAt(20 * 50)).toBe(7 + 960 * 50);
    // Before the stream's start the clock is behind tsStart; mod 2^32 both ways.
    expect(audio.rtpTimestampAt(-20)).toBe(7 - 960 + 2 ** 32);
    const wrapping = new SenderReporter(1, 'w', 90_000, 2 ** 32 - 1000, 0);
    expect(wrapping.rtpTimestampAt(1000 / 30)).toBe(2000);
  });

  it('writes SR + SDES CNAME: NTP of the wall clock, RTP of the same instant, packets and payload octets sent', () => {
    const r = new SenderReporter(0x8000_0001, 'avcm-12', 90_000, 5000, 0);
    for (let i = 0; i < 10; i++) r.countSent(1100);
    r.countSent(0);
    const length = r.build(1500, EPOCH + 1500.25);
    expect(length).toBe(r.length);
    const found = read(r.buffer, length);
    expect(found.sr).toEqual([0x8000_0001, ntpSeconds(EPOCH + 1500.25), ntpFraction(EPOCH + 1500.25), 5000 + 135_000, 11, 11_000]);
    expect(found.cname).toEqual([0x8000_0001, 'avcm-12']);
  });

  it('werift parses the compound with the same values (an independent RTCP implementation)', () => {
    const r = new SenderReporter(0x1234_5678, 'avcm-3', 90_000, 0x9000_0000, 100);
    for (let i = 0; i < 300; i++) r.countSent(1000 + i);
    const epochMs = EPOCH + 3333.5;
    const length = r.build(2100, epochMs);
    const [sr, sdes] = RtcpPacketConverter.deSerialize(Buffer.from(r.buffer.subarray(0, length))) as [RtcpSrPacket, RtcpSourceDescriptionPacket];
    expect(sr).toBeInstanceOf(RtcpSrPacket);
    expect(sr.ssrc).toBe(0x1234_5678);
    expect(sr.senderInfo.ntpTimestamp).toBe((BigInt(ntpSeconds(epochMs)) << 32n) | BigInt(ntpFraction(epochMs)));
    expect(sr.senderInfo.rtpTimestamp).toBe(0x9000_0000 + 180_000);
    expect(sr.senderInfo.packetCount).toBe(300);
    expect(sr.senderInfo.octetCount).toBe(300 * 1000 + (299 * 300) / 2);
    expect(sr.reports).toEqual([]);
    expect(sdes).toBeInstanceOf(RtcpSourceDescriptionPacket);
    expect(sdes.chunks).toHaveLength(1);
    expect(sdes.chunks[0].source).toBe(0x1234_5678);
    expect(sdes.chunks[0].items.map((item) => [item.type, item.text])).toEqual([[1, 'avcm-3']]);
  });

  it('RFC 3550 6.4.1: counts wrap modulo 2^32 on the wire', () => {
    const r = new SenderReporter(1, 'x', 90_000, 0, 0);
    r.packetsSent = 2 ** 32 + 5;
    r.payloadOctetsSent = 2 ** 32 * 3 + 7;
    const found = read(r.buffer, r.build(0, EPOCH));
    expect(found.sr!.slice(4)).toEqual([5, 7]);
  });

  it('a CNAME longer than 255 bytes is cut to 255 (the SDES item length is one octet)', () => {
    const r = new SenderReporter(1, 'c'.repeat(300), 90_000, 0, 0);
    expect(read(r.buffer, r.build(0, EPOCH)).cname![1]).toBe('c'.repeat(255));
  });

  it('reportSentAt: when one of our last 8 SRs (named by its compact NTP) left, -1 for anything else', () => {
    const r = new SenderReporter(1, 'x', 90_000, 0, 0);
    expect(r.reportSentAt(0)).toBe(-1); // before any SR: LSR 0 means "no SR yet"
    const sentAt = Array.from({ length: 9 }, (_, i) => EPOCH + i * 1000 + 0.5);
    sentAt.forEach((epochMs, i) => r.build(i * 1000, epochMs));
    sentAt.slice(1).forEach((epochMs, i) => expect(r.reportSentAt(compactNtp(epochMs))).toBe((i + 1) * 1000));
    expect(r.reportSentAt(compactNtp(sentAt[0]))).toBe(-1); // the ninth SR pushed it out
    expect(r.reportSentAt(compactNtp(EPOCH + 500))).toBe(-1);
    expect(r.reportSentAt(0)).toBe(-1);
  });
});
