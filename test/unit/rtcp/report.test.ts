import { describe, expect, it } from 'vitest';
import { emptyReportBlock, RtcpReader, REPORT_BLOCK_BYTES, RR_BYTES, SR_BYTES, writeReceiverReport, writeSenderReport, type ReportBlock } from '../../../src/rtcp/index.js';
import { hex, readAll } from './wire.js';

/** 2023-11-14T22:13:20.500Z: NTP seconds 0xe8fe6f80 (1_700_000_000 + 2_208_988_800), fraction one half. */
const EPOCH_MS = 1_700_000_000_500;

const block = (fields: Partial<ReportBlock>): ReportBlock => ({ ...emptyReportBlock(), ...fields });

const BLOCK_A = block({ ssrc: 0xaabbccdd, fractionLost: 64, cumulativeLost: 1000, extendedHighestSeq: 0x0001_0005, jitter: 123, lsr: 0x6f80_8000, dlsr: 0x0001_8000 });
const BLOCK_A_BYTES = `
  aabbccdd                # SSRC_1
  40 0003e8               # fraction lost 64/256, cumulative lost 1000
  00010005                # extended highest seq: 1 cycle, seq 5
  0000007b                # jitter 123
  6f808000                # LSR
  00018000                # DLSR 1.5 s
`;

/** Writes one block in an RR and returns its 24 bytes. */
function blockBytes(b: ReportBlock): Buffer {
  const buf = Buffer.alloc(RR_BYTES + REPORT_BLOCK_BYTES);
  writeReceiverReport(buf, 0, 1, [b], 1);
  return buf.subarray(RR_BYTES);
}

/** Writes one block in an RR and reads it back. */
function roundTrip(b: ReportBlock): ReportBlock {
  const buf = Buffer.alloc(RR_BYTES + REPORT_BLOCK_BYTES);
  writeReceiverReport(buf, 0, 1, [b], 1);
  const { problem, events } = readAll(buf);
  expect(problem).toBeNull();
  const read = events.find((e) => e[0] === 'block');
  return read![2] as ReportBlock;
}

describe('RFC 3550 6.4.1: SR', () => {
  it('without report blocks is 28 bytes: header, SSRC, NTP, RTP timestamp, packet and octet counts', () => {
    const buf = Buffer.alloc(SR_BYTES);
    expect(writeSenderReport(buf, 0, 0x11223344, EPOCH_MS, 0xdeadbeef, 1000, 1_200_000)).toBe(SR_BYTES);
    expect(buf).toEqual(hex(`
      80 c8 0006              # V=2 P=0 RC=0, PT=200, length 6 words (28 bytes)
      11223344                # SSRC of sender
      e8fe6f80 80000000       # NTP 1_700_000_000.5 s since 1970, as seconds since 1900
      deadbeef                # RTP timestamp
      000003e8                # packet count
      00124f80                # octet count
    `));
    const { problem, events, packets, startedWithReport } = readAll(buf);
    expect(problem).toBeNull();
    expect(packets).toBe(1);
    expect(startedWithReport).toBe(true);
    expect(events).toEqual([['sr', 0x11223344, 0xe8fe6f80, 0x8000_0000, 0xdeadbeef, 1000, 1_200_000]]);
  });

  it('with report blocks: RC counts them and the length grows by 6 words each', () => {
    const second = block({ ssrc: 2, cumulativeLost: -3 });
    const buf = Buffer.alloc(SR_BYTES + 2 * REPORT_BLOCK_BYTES);
    expect(writeSenderReport(buf, 0, 0x11223344, EPOCH_MS, 0xdeadbeef, 1000, 1_200_000, [BLOCK_A, second], 2)).toBe(buf.length);
    expect(buf).toEqual(hex(`
      82 c8 0012              # RC=2, length 18 words (76 bytes)
      11223344 e8fe6f80 80000000 deadbeef 000003e8 00124f80
      ${BLOCK_A_BYTES}
      00000002 00 fffffd 00000000 00000000 00000000 00000000
    `));
    const { problem, events } = readAll(buf);
    expect(problem).toBeNull();
    expect(events).toEqual([
      ['sr', 0x11223344, 0xe8fe6f80, 0x8000_0000, 0xdeadbeef, 1000, 1_200_000],
      ['block', 0x11223344, BLOCK_A],
      ['block', 0x11223344, second],
    ]);
  });

  it('writes only the first `count` blocks of a longer reusable array', () => {
    const buf = Buffer.alloc(SR_BYTES + REPORT_BLOCK_BYTES);
    expect(writeSenderReport(buf, 0, 1, EPOCH_MS, 0, 0, 0, [BLOCK_A, block({ ssrc: 9 })], 1)).toBe(buf.length);
    expect(readAll(buf).events.filter((e) => e[0] === 'block')).toEqual([['block', 1, BLOCK_A]]);
  });

  it('packet and octet counts wrap modulo 2^32', () => {
    const buf = Buffer.alloc(SR_BYTES);
    writeSenderReport(buf, 0, 1, EPOCH_MS, 0x1_0000_0001, 2 ** 32 + 5, 2 ** 33 + 7);
    expect(buf.subarray(16)).toEqual(hex('00000001 00000005 00000007'));
  });

  it('writes at an offset and leaves the bytes around it alone', () => {
    const buf = Buffer.alloc(SR_BYTES + 8, 0xee);
    expect(writeSenderReport(buf, 4, 1, EPOCH_MS, 0, 0, 0)).toBe(4 + SR_BYTES);
    expect(buf.subarray(0, 4)).toEqual(hex('eeeeeeee'));
    expect(buf.subarray(4 + SR_BYTES)).toEqual(hex('eeeeeeee'));
    expect(buf.subarray(4, 8)).toEqual(hex('80c80006'));
  });
});

describe('RFC 3550 6.4.2: RR', () => {
  it('the empty RR is 8 bytes (header and SSRC), as leads a compound of feedback', () => {
    const buf = Buffer.alloc(RR_BYTES);
    expect(writeReceiverReport(buf, 0, 0xcafebabe, [], 0)).toBe(RR_BYTES);
    expect(buf).toEqual(hex('80 c9 0001 cafebabe'));
    expect(readAll(buf)).toEqual({ problem: null, events: [['rr', 0xcafebabe]], packets: 1, startedWithReport: true });
  });

  it('with one block: RC=1, length 7 words', () => {
    const buf = Buffer.alloc(RR_BYTES + REPORT_BLOCK_BYTES);
    expect(writeReceiverReport(buf, 0, 0xcafebabe, [BLOCK_A], 1)).toBe(buf.length);
    expect(buf).toEqual(hex(`81 c9 0007 cafebabe ${BLOCK_A_BYTES}`));
    expect(readAll(buf).events).toEqual([['rr', 0xcafebabe], ['block', 0xcafebabe, BLOCK_A]]);
  });

  it('31 blocks, the most RC can count', () => {
    const blocks = Array.from({ length: 31 }, (_, i) => block({ ssrc: i + 1, extendedHighestSeq: i * 1000 }));
    const buf = Buffer.alloc(RR_BYTES + 31 * REPORT_BLOCK_BYTES);
    expect(writeReceiverReport(buf, 0, 7, blocks, 31)).toBe(buf.length);
    expect(buf.subarray(0, 4)).toEqual(hex('9f c9 00bb')); // RC=31, 188 words minus one
    const { problem, events } = readAll(buf);
    expect(problem).toBeNull();
    expect(events.slice(1)).toEqual(blocks.map((b) => ['block', 7, b]));
  });
});

describe('RFC 3550 6.4.1: report block fields', () => {
  it('fraction lost is the 8-bit fixed-point fraction, clamped to 0..255 and truncated', () => {
    expect(blockBytes(block({ fractionLost: 255 }))[4]).toBe(255);
    expect(blockBytes(block({ fractionLost: 300 }))[4]).toBe(255);
    expect(blockBytes(block({ fractionLost: -5 }))[4]).toBe(0);
    expect(blockBytes(block({ fractionLost: 12.9 }))[4]).toBe(12);
    expect(roundTrip(block({ fractionLost: 1 })).fractionLost).toBe(1);
  });

  it('cumulative lost is signed 24 bits: negative when duplicates outnumber losses (two\'s complement)', () => {
    expect(blockBytes(block({ cumulativeLost: -1 })).subarray(5, 8)).toEqual(hex('ffffff'));
    expect(blockBytes(block({ cumulativeLost: -3 })).subarray(5, 8)).toEqual(hex('fffffd'));
    expect(blockBytes(block({ cumulativeLost: 0x12_3456 })).subarray(5, 8)).toEqual(hex('123456'));
    for (const lost of [0, 1, -1, -3, 1000, -1000, 0x7f_ffff, -0x80_0000]) expect(roundTrip(block({ cumulativeLost: lost })).cumulativeLost).toBe(lost);
  });

  it('cumulative lost clamps at 0x7fffff and -0x800000 (A.3) rather than wrapping', () => {
    expect(blockBytes(block({ cumulativeLost: 0x80_0000 })).subarray(5, 8)).toEqual(hex('7fffff'));
    expect(blockBytes(block({ cumulativeLost: 10_000_000_000 })).subarray(5, 8)).toEqual(hex('7fffff'));
    expect(blockBytes(block({ cumulativeLost: -0x80_0001 })).subarray(5, 8)).toEqual(hex('800000'));
    expect(roundTrip(block({ cumulativeLost: -10_000_000 })).cumulativeLost).toBe(-0x80_0000);
    expect(roundTrip(block({ cumulativeLost: 10_000_000 })).cumulativeLost).toBe(0x7f_ffff);
  });

  it('the fraction lost octet and the 24-bit loss do not bleed into each other', () => {
    expect(blockBytes(block({ fractionLost: 0xab, cumulativeLost: -0x80_0000 })).subarray(4, 8)).toEqual(hex('ab800000'));
    const read = roundTrip(block({ fractionLost: 0xff, cumulativeLost: 0 }));
    expect([read.fractionLost, read.cumulativeLost]).toEqual([0xff, 0]);
  });

  it('extended highest sequence number carries the cycle count in its high 16 bits, all 32 bits unsigned', () => {
    expect(blockBytes(block({ extendedHighestSeq: 0xffff_fffe })).subarray(8, 12)).toEqual(hex('fffffffe'));
    expect(roundTrip(block({ extendedHighestSeq: (3 << 16) | 65535 })).extendedHighestSeq).toBe(0x3_ffff);
    expect(roundTrip(block({ extendedHighestSeq: 0xffff_ffff })).extendedHighestSeq).toBe(0xffff_ffff);
  });

  it('jitter is an unsigned 32-bit count of timestamp units: rounded, never negative', () => {
    expect(blockBytes(block({ jitter: 12.6 })).subarray(12, 16)).toEqual(hex('0000000d'));
    expect(blockBytes(block({ jitter: -4 })).subarray(12, 16)).toEqual(hex('00000000'));
    expect(blockBytes(block({ jitter: 2 ** 40 })).subarray(12, 16)).toEqual(hex('ffffffff'));
    expect(roundTrip(block({ jitter: 0x8000_0001 })).jitter).toBe(0x8000_0001);
  });

  it('LSR and DLSR are carried verbatim as unsigned 32-bit values', () => {
    expect(blockBytes(block({ lsr: 0xffff_ffff, dlsr: 0x8000_0000 })).subarray(16, 24)).toEqual(hex('ffffffff 80000000'));
    const read = roundTrip(block({ lsr: 0xfedc_ba98, dlsr: 0x0001_0000 }));
    expect([read.lsr, read.dlsr]).toEqual([0xfedc_ba98, 0x0001_0000]);
  });

  it('the reader reuses one block struct: a visitor must copy what it keeps', () => {
    const buf = Buffer.alloc(RR_BYTES + 2 * REPORT_BLOCK_BYTES);
    writeReceiverReport(buf, 0, 1, [block({ ssrc: 10 }), block({ ssrc: 20 })], 2);
    const seen: Readonly<ReportBlock>[] = [];
    const ssrcs: number[] = [];
    const problem = new RtcpReader().read(buf, buf.length, { reportBlock: (_reporter, b) => (seen.push(b), ssrcs.push(b.ssrc)) });
    expect(problem).toBeNull();
    expect(ssrcs).toEqual([10, 20]);
    expect(seen[0]).toBe(seen[1]);
  });
});
