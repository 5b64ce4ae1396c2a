/**
 * werift's RTCP implementation as an independent oracle: (a) werift parses what avcm writes with the
 * same field values, (b) avcm reads what werift serializes with the same values.
 *
 * werift's own deviations from the RFCs (werift 0.24; each pinned by a test below so an upgrade
 * that fixes one is noticed):
 * - RtcpPacketConverter hands every packet the rest of the datagram, not its own length: an SDES
 *   or NACK that is not last parses the following packets as extra chunks / FCI entries (RFC 3550
 *   6.1 packets are delimited by their length field). Compounds are compared packet by packet.
 * - Report blocks: the cumulative loss is read as unsigned (RFC 3550 6.4.1 says signed 24 bits), and
 *   a negative loss cannot be serialized (werift throws).
 * - BYE (RFC 3550 6.6) is not parsed at all; avcm's BYE has byte vectors only.
 * - NACK: the BLP expansion does not wrap (PID 65535 + 1 reads as 65536); serialization does not
 *   fold duplicates or use BLP across the wrap (valid, only longer). Compared modulo 2^16.
 * - FIR: the length field is one word short (RFC 5104 4.3.1: header + SSRCs + 8 bytes per entry).
 * - SDES: a chunk whose items end on a 32-bit boundary gets no null terminator (RFC 3550 6.5: the
 *   item list MUST end with at least one null octet), which misaligns a following chunk.
 * - REMB: an exponent above 46 reads as the bigint 2^64 - 1 rather than mantissa * 2^exp.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GenericNack,
  PictureLossIndication,
  ReceiverEstimatedMaxBitrate,
  RtcpHeader,
  RtcpPacketConverter,
  RtcpPayloadSpecificFeedback,
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtcpSenderInfo,
  RtcpSourceDescriptionPacket,
  RtcpSrPacket,
  RtcpTransportLayerFeedback,
  SourceDescriptionChunk,
  SourceDescriptionItem,
  type RtcpPacket,
} from 'werift';
import {
  byeBytes,
  emptyReportBlock,
  FIR_BYTES,
  nackBytes,
  nackEntryCount,
  ntpFraction,
  ntpSeconds,
  PLI_BYTES,
  rembBytes,
  REPORT_BLOCK_BYTES,
  RR_BYTES,
  sdesCnameBytes,
  SR_BYTES,
  writeBye,
  writeFir,
  writeNack,
  writePli,
  writeReceiverReport,
  writeRemb,
  writeSdesCname,
  writeSenderReport,
  type ReportBlock,
} from '../../../src/rtcp/index.js';
import { expandNack, readAll, type RtcpEvent } from './wire.js';

/** werift's FIR class is not exported from its package root; take it from a FIR it parsed. */
type WeriftFir = Extract<RtcpPayloadSpecificFeedback['feedback'], { fir: unknown }>;
const FullIntraRequest = (RtcpPayloadSpecificFeedback.deSerialize(Buffer.alloc(8), new RtcpHeader({ count: 4 })).feedback as WeriftFir).constructor as new (
  props: Partial<WeriftFir>,
) => WeriftFir;

const RUNS = { numRuns: 200, seed: 3550 };
const u32 = fc.nat({ max: 0xffff_ffff });
/** Milliseconds within NTP era 0 (1970 .. 2036), with sub-millisecond parts. */
const epochMs = fc.double({ min: 0, max: 2_085_978_495_999, noNaN: true });
const blockArb = (lost: fc.Arbitrary<number>): fc.Arbitrary<ReportBlock> =>
  fc.record({ ssrc: u32, fractionLost: fc.nat({ max: 255 }), cumulativeLost: lost, extendedHighestSeq: u32, jitter: u32, lsr: u32, dlsr: u32 });
/** The cumulative losses werift can carry both ways (see the header: it cannot do negative). */
const weriftBlock = blockArb(fc.nat({ max: 0x7f_ffff }));
const ascii = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

function parse(buf: Uint8Array): RtcpPacket[] {
  return RtcpPacketConverter.deSerialize(Buffer.from(buf));
}

/** Splits a compound datagram at its length fields, so werift sees one packet at a time. */
function packetsOf(buf: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const end = at + (((buf[at + 2] << 8) | buf[at + 3]) + 1) * 4;
    out.push(Buffer.from(buf.subarray(at, end)));
    at = end;
  }
  return out;
}

const toWerift = (b: ReportBlock): RtcpReceiverInfo =>
  new RtcpReceiverInfo({ ssrc: b.ssrc, fractionLost: b.fractionLost, packetsLost: b.cumulativeLost, highestSequence: b.extendedHighestSeq, jitter: b.jitter, lsr: b.lsr, dlsr: b.dlsr });
const fromWerift = (r: RtcpReceiverInfo): ReportBlock => ({
  ssrc: r.ssrc, fractionLost: r.fractionLost, cumulativeLost: r.packetsLost, extendedHighestSeq: r.highestSequence, jitter: r.jitter, lsr: r.lsr, dlsr: r.dlsr,
});

function writeSr(ssrc: number, ms: number, rtp: number, packets: number, octets: number, blocks: ReportBlock[]): Buffer {
  const buf = Buffer.alloc(SR_BYTES + blocks.length * REPORT_BLOCK_BYTES);
  expect(writeSenderReport(buf, 0, ssrc, ms, rtp, packets, octets, blocks, blocks.length)).toBe(buf.length);
  return buf;
}
function writeRr(ssrc: number, blocks: ReportBlock[]): Buffer {
  const buf = Buffer.alloc(RR_BYTES + blocks.length * REPORT_BLOCK_BYTES);
  expect(writeReceiverReport(buf, 0, ssrc, blocks, blocks.length)).toBe(buf.length);
  return buf;
}
function writeCname(ssrc: number, text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const buf = Buffer.alloc(sdesCnameBytes(bytes.length));
  expect(writeSdesCname(buf, 0, ssrc, bytes)).toBe(buf.length);
  return buf;
}
function writeNackOf(sender: number, media: number, seqs: number[]): Buffer {
  const buf = Buffer.alloc(nackBytes(nackEntryCount(seqs, seqs.length)));
  expect(writeNack(buf, 0, sender, media, seqs, seqs.length)).toBe(buf.length);
  return buf;
}
function writeRembOf(sender: number, bps: number, ssrcs: number[]): Buffer {
  const buf = Buffer.alloc(rembBytes(ssrcs.length));
  expect(writeRemb(buf, 0, sender, bps, ssrcs, ssrcs.length)).toBe(buf.length);
  return buf;
}
const cnameChunk = (ssrc: number, text: string): SourceDescriptionChunk => new SourceDescriptionChunk({ source: ssrc, items: [new SourceDescriptionItem({ type: 1, text })] });

/** Sequence numbers in ascending 16-bit serial order from `base`, as a NACK generator keeps them. */
const nackSeqs = fc.tuple(fc.nat({ max: 0xffff }), fc.uniqueArray(fc.nat({ max: 2000 }), { minLength: 1, maxLength: 60 })).map(([base, offsets]) =>
  offsets.sort((a, b) => a - b).map((o) => (base + o) & 0xffff),
);
const sorted = (xs: Iterable<number>): number[] => [...new Set(xs)].sort((a, b) => a - b);
const nackedSet = (events: RtcpEvent[]): number[] => sorted(events.flatMap((e) => (e[0] === 'nack' ? expandNack(e[3], e[4]) : [])));

describe('werift parses what avcm writes', () => {
  it('RFC 3550 6.4.1 SR: sender info and report blocks, random values', () => {
    fc.assert(
      fc.property(u32, epochMs, u32, u32, u32, fc.array(weriftBlock, { maxLength: 31 }), (ssrc, ms, rtp, packets, octets, blocks) => {
        const [sr] = parse(writeSr(ssrc, ms, rtp, packets, octets, blocks)) as RtcpSrPacket[];
        expect(sr).toBeInstanceOf(RtcpSrPacket);
        expect(sr.ssrc).toBe(ssrc);
        expect(sr.senderInfo.ntpTimestamp).toBe((BigInt(ntpSeconds(ms)) << 32n) | BigInt(ntpFraction(ms)));
        expect([sr.senderInfo.rtpTimestamp, sr.senderInfo.packetCount, sr.senderInfo.octetCount]).toEqual([rtp, packets, octets]);
        expect(sr.reports.map(fromWerift)).toEqual(blocks);
      }),
      RUNS,
    );
  });

  it('RFC 3550 6.4.2 RR, empty and with blocks, random values', () => {
    expect(parse(writeRr(0xcafebabe, []))).toEqual([new RtcpRrPacket({ ssrc: 0xcafebabe, reports: [] })]);
    fc.assert(
      fc.property(u32, fc.array(weriftBlock, { maxLength: 31 }), (ssrc, blocks) => {
        const [rr] = parse(writeRr(ssrc, blocks)) as RtcpRrPacket[];
        expect(rr).toBeInstanceOf(RtcpRrPacket);
        expect(rr.ssrc).toBe(ssrc);
        expect(rr.reports.map(fromWerift)).toEqual(blocks);
      }),
      RUNS,
    );
  });

  it('werift deviation: a negative cumulative loss reads as its unsigned 24-bit pattern', () => {
    const [rr] = parse(writeRr(1, [{ ...emptyReportBlock(), cumulativeLost: -3 }])) as RtcpRrPacket[];
    expect(rr.reports[0].packetsLost).toBe(-3 & 0xff_ffff);
    expect(() => new RtcpRrPacket({ ssrc: 1, reports: [toWerift({ ...emptyReportBlock(), cumulativeLost: -3 })] }).serialize()).toThrow(RangeError);
  });

  it('RFC 3550 6.5.1 SDES CNAME of every length mod 4, random text', () => {
    fc.assert(
      fc.property(u32, ascii(255), (ssrc, text) => {
        const [sdes] = parse(writeCname(ssrc, text)) as RtcpSourceDescriptionPacket[];
        expect(sdes).toBeInstanceOf(RtcpSourceDescriptionPacket);
        expect(sdes.chunks).toEqual([cnameChunk(ssrc, text)]);
      }),
      RUNS,
    );
    for (let n = 0; n < 8; n++) expect((parse(writeCname(7, 'x'.repeat(n)))[0] as RtcpSourceDescriptionPacket).chunks).toEqual([cnameChunk(7, 'x'.repeat(n))]);
  });

  it('werift deviation: BYE is not parsed at all', () => {
    const buf = Buffer.alloc(byeBytes(1));
    writeBye(buf, 0, [9], 1);
    expect(parse(buf)).toEqual([]);
  });

  it('RFC 4585 6.2.1 generic NACK: werift expands the same set (modulo 2^16), random sets incl. the wrap', () => {
    fc.assert(
      fc.property(u32, u32, nackSeqs, (sender, media, seqs) => {
        const [fb] = parse(writeNackOf(sender, media, seqs)) as RtcpTransportLayerFeedback[];
        expect(fb).toBeInstanceOf(RtcpTransportLayerFeedback);
        const nack = fb.feedback as GenericNack;
        expect([nack.senderSsrc, nack.mediaSourceSsrc]).toEqual([sender, media]);
        expect(sorted(nack.lost.map((s) => s & 0xffff))).toEqual(sorted(seqs));
      }),
      RUNS,
    );
  });

  it('werift deviation: NACK bits past 65535 read without wrapping', () => {
    const nack = (parse(writeNackOf(1, 2, [65535, 0]))[0] as RtcpTransportLayerFeedback).feedback as GenericNack;
    expect(nack.lost).toEqual([65535, 65536]);
  });

  it('RFC 4585 6.3.1 PLI', () => {
    const buf = Buffer.alloc(PLI_BYTES);
    writePli(buf, 0, 0xffff_fffe, 0x8000_0001);
    const [fb] = parse(buf) as RtcpPayloadSpecificFeedback[];
    expect(fb.feedback).toBeInstanceOf(PictureLossIndication);
    expect(fb.feedback).toMatchObject({ senderSsrc: 0xffff_fffe, mediaSsrc: 0x8000_0001 });
  });

  it('RFC 5104 4.3.1 FIR: media SSRC 0, one FCI entry', () => {
    fc.assert(
      fc.property(u32, u32, fc.nat({ max: 255 }), (sender, target, seq) => {
        const buf = Buffer.alloc(FIR_BYTES);
        writeFir(buf, 0, sender, target, seq);
        const fir = (parse(buf)[0] as RtcpPayloadSpecificFeedback).feedback as WeriftFir;
        expect(fir).toBeInstanceOf(FullIntraRequest);
        expect({ senderSsrc: fir.senderSsrc, mediaSsrc: fir.mediaSsrc, fir: fir.fir }).toEqual({ senderSsrc: sender, mediaSsrc: 0, fir: [{ ssrc: target, sequenceNumber: seq }] });
      }),
      RUNS,
    );
  });

  it('REMB: the same exponent, mantissa, bitrate and SSRC list, random rates small to huge', () => {
    const rate = fc.oneof(fc.nat({ max: 0x3_ffff }), fc.double({ min: 0, max: 1e13, noNaN: true }), fc.double({ min: 0, max: 2 ** 80, noNaN: true }));
    fc.assert(
      fc.property(u32, rate, fc.array(u32, { maxLength: 8 }), (sender, bps, ssrcs) => {
        const buf = writeRembOf(sender, bps, ssrcs);
        const remb = (parse(buf)[0] as RtcpPayloadSpecificFeedback).feedback as ReceiverEstimatedMaxBitrate;
        expect(remb).toBeInstanceOf(ReceiverEstimatedMaxBitrate);
        const ours = readAll(buf).events[0] as Extract<RtcpEvent, ['remb', ...unknown[]]>;
        expect({ senderSsrc: remb.senderSsrc, mediaSsrc: remb.mediaSsrc, uniqueID: remb.uniqueID, ssrcNum: remb.ssrcNum, ssrcFeedbacks: remb.ssrcFeedbacks }).toEqual({
          senderSsrc: sender, mediaSsrc: 0, uniqueID: 'REMB', ssrcNum: ssrcs.length, ssrcFeedbacks: ssrcs,
        });
        expect(remb.brMantissa * 2 ** remb.brExp).toBe(ours[2]);
        if (remb.brExp <= 46) expect(remb.bitrate).toBe(BigInt(ours[2]));
      }),
      RUNS,
    );
  });

  it('werift deviation: a REMB exponent above 46 reads as 2^64 - 1', () => {
    const remb = (parse(writeRembOf(1, 2 ** 70, [2]))[0] as RtcpPayloadSpecificFeedback).feedback as ReceiverEstimatedMaxBitrate;
    expect([remb.brExp, remb.brMantissa, remb.bitrate]).toEqual([53, 0x2_0000, 2n ** 64n - 1n]);
  });

  it('compound SR + SDES: werift reads both from the one datagram', () => {
    const blocks = [{ ...emptyReportBlock(), ssrc: 2, cumulativeLost: 5, extendedHighestSeq: 70_000 }];
    const buf = Buffer.concat([writeSr(1, 1_700_000_000_250, 90_000, 10, 12_000, blocks), writeCname(1, 'avcm-1')]);
    const [sr, sdes] = parse(buf) as [RtcpSrPacket, RtcpSourceDescriptionPacket];
    expect(sr.ssrc).toBe(1);
    expect(sr.reports.map(fromWerift)).toEqual(blocks);
    expect(sdes.chunks).toEqual([cnameChunk(1, 'avcm-1')]);
  });

  it('compound RR + SDES + NACK: packet by packet the same values', () => {
    const buf = Buffer.concat([writeRr(1, []), writeCname(1, 'avcm-1'), writeNackOf(1, 2, [100, 101])]);
    const [rr, sdes, nack] = packetsOf(buf).flatMap(parse) as [RtcpRrPacket, RtcpSourceDescriptionPacket, RtcpTransportLayerFeedback];
    expect(rr).toEqual(new RtcpRrPacket({ ssrc: 1, reports: [] }));
    expect(sdes.chunks).toEqual([cnameChunk(1, 'avcm-1')]);
    expect((nack.feedback as GenericNack).lost).toEqual([100, 101]);
  });

  it('werift deviation: in one datagram werift reads the NACK after an SDES as extra SDES chunks', () => {
    const buf = Buffer.concat([writeRr(1, []), writeCname(1, 'avcm-1'), writeNackOf(1, 2, [100, 101])]);
    const [, sdes, nack] = parse(buf) as [RtcpRrPacket, RtcpSourceDescriptionPacket, RtcpTransportLayerFeedback];
    expect(sdes.chunks.length).toBeGreaterThan(1);
    expect((nack.feedback as GenericNack).lost).toEqual([100, 101]);
  });

  it('random compounds of every packet type werift knows: packet by packet the same values', () => {
    const packet = fc.oneof(
      fc.tuple(u32, fc.array(weriftBlock, { maxLength: 3 })).map(([ssrc, blocks]) => ({ buf: writeRr(ssrc, blocks), check: (p: RtcpPacket) => expect((p as RtcpRrPacket).reports.map(fromWerift)).toEqual(blocks) })),
      fc.tuple(u32, ascii(40)).map(([ssrc, text]) => ({ buf: writeCname(ssrc, text), check: (p: RtcpPacket) => expect((p as RtcpSourceDescriptionPacket).chunks).toEqual([cnameChunk(ssrc, text)]) })),
      nackSeqs.map((seqs) => ({ buf: writeNackOf(3, 4, seqs), check: (p: RtcpPacket) => expect(sorted(((p as RtcpTransportLayerFeedback).feedback as GenericNack).lost.map((s) => s & 0xffff))).toEqual(sorted(seqs)) })),
      fc.tuple(u32, u32).map(([a, b]) => {
        const buf = Buffer.alloc(PLI_BYTES);
        writePli(buf, 0, a, b);
        return { buf, check: (p: RtcpPacket) => expect((p as RtcpPayloadSpecificFeedback).feedback).toMatchObject({ senderSsrc: a, mediaSsrc: b }) };
      }),
      fc.tuple(fc.nat({ max: 1e9 }), fc.array(u32, { maxLength: 3 })).map(([bps, ssrcs]) => ({
        buf: writeRembOf(5, bps, ssrcs),
        check: (p: RtcpPacket) => expect(((p as RtcpPayloadSpecificFeedback).feedback as ReceiverEstimatedMaxBitrate).ssrcFeedbacks).toEqual(ssrcs),
      })),
    );
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 6 }), (packets) => {
        const datagram = Buffer.concat(packets.map((p) => p.buf));
        const split = packetsOf(datagram);
        expect(split).toHaveLength(packets.length);
        split.forEach((one, i) => {
          const parsed = parse(one);
          expect(parsed).toHaveLength(1);
          packets[i].check(parsed[0]);
        });
      }),
      RUNS,
    );
  });
});

describe('avcm reads what werift serializes', () => {
  it('RFC 3550 6.4.1 SR with report blocks, random values', () => {
    fc.assert(
      fc.property(u32, u32, u32, u32, u32, u32, fc.array(weriftBlock, { maxLength: 31 }), (ssrc, sec, frac, rtp, packets, octets, blocks) => {
        const sr = new RtcpSrPacket({
          ssrc,
          senderInfo: new RtcpSenderInfo({ ntpTimestamp: (BigInt(sec) << 32n) | BigInt(frac), rtpTimestamp: rtp, packetCount: packets, octetCount: octets }),
          reports: blocks.map(toWerift),
        });
        const { problem, events } = readAll(sr.serialize());
        expect(problem).toBeNull();
        expect(events).toEqual([['sr', ssrc, sec, frac, rtp, packets, octets], ...blocks.map((b) => ['block', ssrc, b])]);
      }),
      RUNS,
    );
  });

  it('RFC 3550 6.4.2 RR, empty and with blocks', () => {
    expect(readAll(new RtcpRrPacket({ ssrc: 9, reports: [] }).serialize())).toEqual({ problem: null, events: [['rr', 9]], packets: 1, startedWithReport: true });
    fc.assert(
      fc.property(u32, fc.array(weriftBlock, { maxLength: 31 }), (ssrc, blocks) => {
        const { problem, events } = readAll(new RtcpRrPacket({ ssrc, reports: blocks.map(toWerift) }).serialize());
        expect(problem).toBeNull();
        expect(events).toEqual([['rr', ssrc], ...blocks.map((b) => ['block', ssrc, b])]);
      }),
      RUNS,
    );
  });

  it('RFC 3550 6.5.1 SDES: one CNAME chunk, random text of every length', () => {
    fc.assert(
      fc.property(u32, ascii(255), (ssrc, text) => {
        const { problem, events } = readAll(new RtcpSourceDescriptionPacket({ chunks: [cnameChunk(ssrc, text)] }).serialize());
        expect(problem).toBeNull();
        expect(events).toEqual([['cname', ssrc, text]]);
      }),
      RUNS,
    );
  });

  it('SDES with several chunks whose items do not end on a word boundary', () => {
    const texts = ['a', 'abc', 'abcd', 'abcde', 'abcdefg']; // 4 + 2 + n is never a multiple of 4
    const sdes = new RtcpSourceDescriptionPacket({ chunks: texts.map((t, i) => cnameChunk(i + 1, t)) }).serialize();
    expect(readAll(sdes).events).toEqual(texts.map((t, i) => ['cname', i + 1, t]));
  });

  it('werift deviation: a CNAME of 2 mod 4 bytes gets no null terminator, so a following chunk is misread', () => {
    const sdes = new RtcpSourceDescriptionPacket({ chunks: [cnameChunk(1, 'ab'), cnameChunk(2, 'cd')] }).serialize();
    expect(sdes.subarray(8, 12)).toEqual(Buffer.from([1, 2, 0x61, 0x62])); // chunk 1 ends right after its text
    expect(readAll(sdes).events).not.toEqual([['cname', 1, 'ab'], ['cname', 2, 'cd']]);
  });

  it('RFC 4585 6.2.1 generic NACK: the set werift packs is the set avcm expands, any order and duplicates', () => {
    fc.assert(
      fc.property(u32, u32, fc.array(fc.nat({ max: 0xffff }), { minLength: 1, maxLength: 80 }), (sender, media, lost) => {
        const buf = new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: sender, mediaSourceSsrc: media, lost }) }).serialize();
        const { problem, events } = readAll(buf);
        expect(problem).toBeNull();
        expect(events.every((e) => e[0] === 'nack' && e[1] === sender && e[2] === media)).toBe(true);
        expect(nackedSet(events)).toEqual(sorted(lost));
      }),
      RUNS,
    );
  });

  it('RFC 4585 6.3.1 PLI', () => {
    const buf = new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: 0xffff_ffff, mediaSsrc: 3 }) }).serialize();
    expect(readAll(buf)).toEqual({ problem: null, events: [['pli', 0xffff_ffff, 3]], packets: 1, startedWithReport: false });
  });

  it('werift deviation: its FIR length field is one word short, cutting off the last entry; with the length corrected it reads', () => {
    fc.assert(
      fc.property(u32, fc.array(fc.record({ ssrc: u32, sequenceNumber: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: 4 }), (sender, entries) => {
        const buf = new RtcpPayloadSpecificFeedback({ feedback: new FullIntraRequest({ senderSsrc: sender, mediaSsrc: 0, fir: entries }) }).serialize();
        expect(buf.readUInt16BE(2)).toBe(buf.length / 4 - 2);
        // The last entry's tail (sequence number + reserved) is then read as the next header.
        expect(readAll(buf).events).toEqual(entries.slice(0, -1).map((e) => ['fir', sender, e.ssrc, e.sequenceNumber]));
        buf.writeUInt16BE(buf.length / 4 - 1, 2);
        expect(readAll(buf)).toMatchObject({ problem: null, events: entries.map((e) => ['fir', sender, e.ssrc, e.sequenceNumber]) });
      }),
      RUNS,
    );
  });

  it('REMB: any exponent and mantissa, and the SSRC list', () => {
    fc.assert(
      fc.property(u32, fc.nat({ max: 63 }), fc.nat({ max: 0x3_ffff }), fc.array(u32, { maxLength: 8 }), (sender, brExp, brMantissa, ssrcs) => {
        const remb = new ReceiverEstimatedMaxBitrate({ senderSsrc: sender, mediaSsrc: 0, ssrcNum: ssrcs.length, brExp, brMantissa, ssrcFeedbacks: ssrcs });
        const { problem, events } = readAll(new RtcpPayloadSpecificFeedback({ feedback: remb }).serialize());
        expect(problem).toBeNull();
        expect(events).toEqual([['remb', sender, brMantissa * 2 ** brExp, ssrcs]]);
      }),
      RUNS,
    );
  });

  it('a compound werift would send (SR, SDES, NACK, PLI, REMB) reads whole, in order', () => {
    const block: ReportBlock = { ssrc: 2, fractionLost: 10, cumulativeLost: 7, extendedHighestSeq: 65_540, jitter: 33, lsr: 0x1234_5678, dlsr: 0x0000_8000 };
    const datagram = Buffer.concat([
      new RtcpSrPacket({ ssrc: 1, senderInfo: new RtcpSenderInfo({ ntpTimestamp: (0xe8fe6f80n << 32n) | 0x8000_0000n, rtpTimestamp: 90_000, packetCount: 10, octetCount: 12_000 }), reports: [toWerift(block)] }).serialize(),
      new RtcpSourceDescriptionPacket({ chunks: [cnameChunk(1, 'werift')] }).serialize(),
      new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: 2, lost: [10, 11, 40] }) }).serialize(),
      new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: 1, mediaSsrc: 2 }) }).serialize(),
      new RtcpPayloadSpecificFeedback({ feedback: new ReceiverEstimatedMaxBitrate({ senderSsrc: 1, mediaSsrc: 0, ssrcNum: 1, brExp: 3, brMantissa: 187_500, ssrcFeedbacks: [2] }) }).serialize(),
    ]);
    expect(readAll(datagram)).toEqual({
      problem: null,
      events: [
        ['sr', 1, 0xe8fe6f80, 0x8000_0000, 90_000, 10, 12_000],
        ['block', 1, block],
        ['cname', 1, 'werift'],
        ['nack', 1, 2, 10, 1],
        ['nack', 1, 2, 40, 0],
        ['pli', 1, 2],
        ['remb', 1, 1_500_000, [2]],
      ],
      packets: 5,
      startedWithReport: true,
    });
  });
});
