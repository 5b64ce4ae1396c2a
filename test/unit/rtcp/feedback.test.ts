import { describe, expect, it } from 'vitest';
import { FIR_BYTES, nackBytes, nackEntryCount, PLI_BYTES, rembBytes, writeFir, writeNack, writePli, writeRemb } from '../../../src/rtcp/index.js';
import { expandNack, hex, readAll, type RtcpEvent } from './wire.js';

const SENDER = 0x0a0b0c0d;
const MEDIA = 0x11223344;

/** A generic NACK for `seqs`, sized the documented way. */
function nack(seqs: number[]): Buffer {
  const buf = Buffer.alloc(nackBytes(nackEntryCount(seqs, seqs.length)));
  expect(writeNack(buf, 0, SENDER, MEDIA, seqs, seqs.length)).toBe(buf.length);
  return buf;
}

/** The sequence numbers a datagram's NACK entries name, expanded from PID + BLP. */
function nacked(buf: Buffer): number[] {
  const { problem, events } = readAll(buf);
  expect(problem).toBeNull();
  return events.filter((e): e is Extract<RtcpEvent, ['nack', ...unknown[]]> => e[0] === 'nack').flatMap((e) => expandNack(e[3], e[4]));
}

describe('RFC 4585 6.2.1: generic NACK', () => {
  it('one FCI entry: PID is the first lost packet, BLP bit i the packet PID + i + 1', () => {
    const buf = nack([100, 101, 103, 116]);
    expect(buf).toEqual(hex(`
      81 cd 0003              # V=2 FMT=1, PT=RTPFB, 3 words after the first
      0a0b0c0d 11223344       # packet sender, media source
      0064 8005               # PID 100; BLP bits 0 (101), 2 (103), 15 (116)
    `));
    expect(readAll(buf)).toEqual({ problem: null, events: [['nack', SENDER, MEDIA, 100, 0x8005]], packets: 1, startedWithReport: false });
  });

  it('wraps across 65535 -> 0 in 16-bit serial order', () => {
    expect(nack([65534, 65535, 0, 1])).toEqual(hex('81 cd 0003 0a0b0c0d 11223344 fffe 0007'));
    expect(nack([65530, 3])).toEqual(hex('81 cd 0003 0a0b0c0d 11223344 fffa 0100'));
    expect(nacked(nack([65534, 65535, 0, 1]))).toEqual([65534, 65535, 0, 1]);
  });

  it('folds duplicates', () => {
    expect(nack([5, 5, 6, 6, 6])).toEqual(hex('81 cd 0003 0a0b0c0d 11223344 0005 0001'));
    expect(nackEntryCount([5, 5, 6, 6, 6], 5)).toBe(1);
  });

  it('numbers more than 16 apart need a new entry; exactly 16 apart still share one', () => {
    expect(nack([0, 16])).toEqual(hex('81 cd 0003 0a0b0c0d 11223344 0000 8000'));
    expect(nack([0, 17])).toEqual(hex('81 cd 0004 0a0b0c0d 11223344 0000 0000 0011 0000'));
  });

  it('17 consecutive numbers fill one entry (PID + 16 BLP bits); the 18th starts a second', () => {
    const seventeen = Array.from({ length: 17 }, (_, i) => 1000 + i);
    expect(nack(seventeen)).toEqual(hex('81 cd 0003 0a0b0c0d 11223344 03e8 ffff'));
    expect(nack([...seventeen, 1017])).toEqual(hex('81 cd 0004 0a0b0c0d 11223344 03e8 ffff 03f9 0000'));
  });

  it('17 FCI entries: the length field counts them all', () => {
    const seqs = Array.from({ length: 17 }, (_, i) => (i * 20 + 65_000) & 0xffff);
    expect(nackEntryCount(seqs, 17)).toBe(17);
    const buf = nack(seqs);
    expect(buf.length).toBe(12 + 17 * 4);
    expect(buf.readUInt16BE(2)).toBe(2 + 17);
    expect(nacked(buf)).toEqual(seqs);
    for (let i = 0; i < 17; i++) expect(buf.readUInt16BE(12 + 4 * i + 2)).toBe(0);
  });

  it('writes only the first `count` numbers of a reused array', () => {
    const seqs = new Uint16Array([7, 8, 9, 500, 501]);
    const buf = Buffer.alloc(nackBytes(nackEntryCount(seqs, 3)));
    expect(writeNack(buf, 0, SENDER, MEDIA, seqs, 3)).toBe(16);
    expect(nacked(buf)).toEqual([7, 8, 9]);
  });

  it('reads several entries from another sender, each one visit', () => {
    const other = hex('81 cd 0004 00000001 00000002 0010 0003 fff0 8000');
    expect(readAll(other).events).toEqual([['nack', 1, 2, 0x10, 3], ['nack', 1, 2, 0xfff0, 0x8000]]);
  });
});

describe('RFC 4585 6.3.1: PLI', () => {
  it('is the common feedback header alone, 12 bytes', () => {
    const buf = Buffer.alloc(PLI_BYTES);
    expect(writePli(buf, 0, SENDER, MEDIA)).toBe(12);
    expect(buf).toEqual(hex('81 ce 0002 0a0b0c0d 11223344'));
    expect(readAll(buf)).toEqual({ problem: null, events: [['pli', SENDER, MEDIA]], packets: 1, startedWithReport: false });
  });
});

describe('RFC 5104 4.3.1: FIR', () => {
  it('media source SSRC is 0 (4.3.1.2); the FCI names the target and an 8-bit sequence number, 24 reserved bits zero', () => {
    const buf = Buffer.alloc(FIR_BYTES, 0xee);
    expect(writeFir(buf, 0, SENDER, MEDIA, 0x1_07)).toBe(20);
    expect(buf).toEqual(hex(`
      84 ce 0004              # FMT=4, PT=PSFB, 4 words after the first
      0a0b0c0d                # packet sender
      00000000                # media source: unused, SHALL be 0
      11223344 07 000000      # FCI: target SSRC, seq nr 0x107 & 0xff, reserved
    `));
    expect(readAll(buf).events).toEqual([['fir', SENDER, MEDIA, 7]]);
  });

  it('reads every FCI entry of a FIR naming several targets', () => {
    const fir = hex('84 ce 0006 00000001 00000000  00000005 01 000000  00000006 ff 000000');
    expect(readAll(fir).events).toEqual([['fir', 1, 5, 1], ['fir', 1, 6, 255]]);
  });
});

describe('draft-alvestrand-rmcat-remb 2.2: REMB', () => {
  /** The 6-bit exponent and 18-bit mantissa of a REMB written for `bps`. */
  function encoded(bps: number): { exponent: number; mantissa: number; read: number } {
    const buf = Buffer.alloc(rembBytes(1));
    writeRemb(buf, 0, SENDER, bps, [MEDIA], 1);
    const e = readAll(buf).events[0] as Extract<RtcpEvent, ['remb', ...unknown[]]>;
    return { exponent: buf[17] >> 2, mantissa: ((buf[17] & 3) << 16) | buf.readUInt16BE(18), read: e[2] };
  }

  it('layout: FMT 15, media SSRC 0, "REMB", Num SSRC, exponent and mantissa, the SSRC list', () => {
    const buf = Buffer.alloc(rembBytes(2));
    expect(writeRemb(buf, 0, SENDER, 1_500_000, [MEDIA, 0xffffffff], 2)).toBe(28);
    expect(buf).toEqual(hex(`
      8f ce 0006              # FMT=15 (AFB), PT=PSFB
      0a0b0c0d 00000000       # packet sender, media source 0
      52454d42                # "REMB"
      02 0e dc6c              # Num SSRC 2; exponent 3, mantissa 187500: 1_500_000 bit/s
      11223344 ffffffff
    `));
    expect(readAll(buf).events).toEqual([['remb', SENDER, 1_500_000, [MEDIA, 0xffffffff]]]);
  });

  it('small rates fit the mantissa with exponent 0', () => {
    expect(encoded(0)).toEqual({ exponent: 0, mantissa: 0, read: 0 });
    expect(encoded(1000)).toEqual({ exponent: 0, mantissa: 1000, read: 1000 });
    expect(encoded(0x3_ffff)).toEqual({ exponent: 0, mantissa: 0x3_ffff, read: 0x3_ffff });
    expect(encoded(0x4_0000)).toEqual({ exponent: 1, mantissa: 0x2_0000, read: 0x4_0000 });
  });

  it('rounds down, so the rate sent never exceeds the estimate', () => {
    expect(encoded(999.9)).toEqual({ exponent: 0, mantissa: 999, read: 999 });
    expect(encoded(1_500_007)).toEqual({ exponent: 3, mantissa: 187_500, read: 1_500_000 });
    expect(encoded(0x4_0001)).toEqual({ exponent: 1, mantissa: 0x2_0000, read: 0x4_0000 });
  });

  it('huge rates use the smallest exponent that fits, keeping 18 bits of precision', () => {
    expect(encoded(10_000_000_000)).toEqual({ exponent: 16, mantissa: 152_587, read: 152_587 * 65_536 });
    expect(encoded(2 ** 70)).toEqual({ exponent: 53, mantissa: 0x2_0000, read: 2 ** 70 });
    expect(encoded(0x3_ffff * 2 ** 63)).toEqual({ exponent: 63, mantissa: 0x3_ffff, read: 0x3_ffff * 2 ** 63 });
  });

  it('beyond the largest encodable rate (and Infinity) it saturates instead of wrapping the mantissa', () => {
    expect(encoded(2 ** 90)).toEqual({ exponent: 63, mantissa: 0x3_ffff, read: 0x3_ffff * 2 ** 63 });
    expect(encoded(Infinity)).toEqual({ exponent: 63, mantissa: 0x3_ffff, read: 0x3_ffff * 2 ** 63 });
  });

  it('a negative or NaN estimate is sent as 0', () => {
    expect(encoded(-5)).toEqual({ exponent: 0, mantissa: 0, read: 0 });
    expect(encoded(Number.NaN)).toEqual({ exponent: 0, mantissa: 0, read: 0 });
  });

  it('reads only the SSRCs the packet holds when Num SSRC says more', () => {
    const remb = hex('8f ce 0005 00000001 00000000 52454d42 03 00 03e8 00000009');
    expect(readAll(remb).events).toEqual([['remb', 1, 1000, [9]]]);
  });

  it('an application-layer feedback message that is not REMB is skipped', () => {
    // "GOOG", then "REMB" with one letter off in each position.
    for (const id of ['474f4f47', '72454d42', '52654d42', '52456d42', '52454d62']) {
      const afb = hex(`8f ce 0005 00000001 00000000 ${id} 01 00 03e8 00000009`);
      expect(readAll(afb)).toMatchObject({ problem: null, events: [], packets: 1 });
    }
  });
});
