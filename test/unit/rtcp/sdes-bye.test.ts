import { describe, expect, it } from 'vitest';
import { byeBytes, sdesCnameBytes, writeBye, writeSdesCname } from '../../../src/rtcp/index.js';
import { hex, readAll } from './wire.js';

const cname = (n: number): Buffer => Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789'.repeat(8).slice(0, n), 'latin1');

function writeCname(text: Buffer, fill = 0xee): Buffer {
  const buf = Buffer.alloc(sdesCnameBytes(text.length), fill);
  expect(writeSdesCname(buf, 0, 0x01020304, text)).toBe(buf.length);
  return buf;
}

describe('RFC 3550 6.5 / 6.5.1: SDES with one CNAME chunk', () => {
  // The item list ends with at least one null octet, then nulls to the next 32-bit boundary: a
  // CNAME of length n takes 4 (SSRC) + 2 + n + 1 bytes rounded up to a multiple of 4.
  it.each([
    [0, '81 ca 0002  01020304  01 00 00 00'],
    [1, '81 ca 0002  01020304  01 01 61 00'],
    [2, '81 ca 0003  01020304  01 02 6162 00000000'],
    [3, '81 ca 0003  01020304  01 03 616263 000000'],
    [4, '81 ca 0003  01020304  01 04 61626364 0000'],
    [5, '81 ca 0003  01020304  01 05 6162636465 00'],
    [6, '81 ca 0004  01020304  01 06 616263646566 00000000'],
  ])('CNAME of %i bytes: null-terminated and padded to 32 bits', (n, bytes) => {
    const buf = writeCname(cname(n));
    expect(buf).toEqual(hex(bytes));
    expect(readAll(buf)).toEqual({ problem: null, events: [['cname', 0x01020304, cname(n).toString('latin1')]], packets: 1, startedWithReport: false });
  });

  it('every CNAME length 0..255: at least one null after the text, nulls to the end, a whole number of words', () => {
    for (let n = 0; n <= 255; n++) {
      const buf = writeCname(cname(n));
      const textEnd = 10 + n;
      expect(buf.length % 4).toBe(0);
      expect(buf.length - textEnd).toBeGreaterThanOrEqual(1);
      expect(buf.length - textEnd).toBeLessThanOrEqual(4);
      expect(buf.subarray(textEnd).every((b) => b === 0)).toBe(true);
      expect(buf.readUInt16BE(2)).toBe(buf.length / 4 - 1);
      expect(buf[9]).toBe(n);
      expect(readAll(buf).events).toEqual([['cname', 0x01020304, cname(n).toString('latin1')]]);
    }
  });

  it('a CNAME longer than 255 bytes is cut at 255, the most the length octet can say', () => {
    const buf = Buffer.alloc(sdesCnameBytes(300));
    const end = writeSdesCname(buf, 0, 1, cname(300));
    expect(end).toBe(sdesCnameBytes(255));
    expect(buf[9]).toBe(255);
    expect(readAll(buf, end).events).toEqual([['cname', 1, cname(255).toString('latin1')]]);
  });

  it('UTF-8 bytes are carried as given', () => {
    const text = Buffer.from('user@höst', 'utf8');
    const buf = writeCname(text);
    const events = readAll(buf).events;
    expect(Buffer.from((events[0] as ['cname', number, string])[2], 'latin1').toString('utf8')).toBe('user@höst');
  });

  it('reads several chunks from other senders: items other than CNAME skipped, a full word of nulls when items end on a boundary', () => {
    const sdes = hex(`
      84 ca 000d
      00000001  02 03 626f62  01 02 6869  00 0000        # NAME "bob", CNAME "hi", null, padding
      00000002  01 03 6a6f65  00 0000                    # CNAME "joe", null, padding
      00000003  01 06 616263646566  00000000            # items end on a word boundary: a whole null word
      00000004  05 01 78  00                             # no CNAME in this chunk (LOC "x")
    `);
    expect(sdes.length).toBe(56);
    expect(readAll(sdes).events).toEqual([
      ['cname', 1, 'hi'],
      ['cname', 2, 'joe'],
      ['cname', 3, 'abcdef'],
    ]);
  });

  it('an item running past the packet stops the walk without reading beyond it', () => {
    const sdes = hex('81 ca 0002 00000001 01 09 6162'); // length 9 but only 2 bytes of text
    expect(readAll(sdes)).toMatchObject({ problem: null, events: [] });
  });
});

describe('RFC 3550 6.6: BYE', () => {
  it('one SSRC', () => {
    const buf = Buffer.alloc(byeBytes(1));
    expect(writeBye(buf, 0, [0xdeadbeef], 1)).toBe(8);
    expect(buf).toEqual(hex('81 cb 0001 deadbeef'));
    expect(readAll(buf).events).toEqual([['bye', 0xdeadbeef]]);
  });

  it('several SSRCs (an SSRC and its CSRCs), the first `count` of a longer array', () => {
    const buf = Buffer.alloc(byeBytes(3));
    expect(writeBye(buf, 0, [1, 2, 0xffffffff, 4], 3)).toBe(16);
    expect(buf).toEqual(hex('83 cb 0003 00000001 00000002 ffffffff'));
    expect(readAll(buf).events).toEqual([['bye', 1], ['bye', 2], ['bye', 0xffffffff]]);
  });

  it('a reason for leaving from another sender is ignored; the SSRCs still read', () => {
    const bye = hex('81 cb 0003 00000009  04 646f6e65 000000'); // reason "done"
    expect(readAll(bye)).toMatchObject({ problem: null, events: [['bye', 9]] });
  });

  it('an SC larger than the packet holds yields only the SSRCs present', () => {
    const bye = hex('85 cb 0002 00000001 00000002');
    expect(readAll(bye).events).toEqual([['bye', 1], ['bye', 2]]);
  });
});
