import { describe, expect, it } from 'vitest';
import { AvcmError } from '../../../src/errors/index.js';
import { RtpHeaderWriter } from '../../../src/rtp/index.js';
import { gcCountsWithControl } from './allocation.js';

const RFC8285 = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2 };
const LEGACY = { layout: 'legacy' as const, participantIdId: 1, absSendTimeId: 2 };

describe('RFC 3550 5.1 + RFC 8285 4.2: the header avcm writes', () => {
  it('rfc8285 layout, byte for byte (28 bytes)', () => {
    const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 0x11223344, participantId: 1001, extensions: RFC8285 });
    w.stamp(0x1234, 0x89abcdef, true, 0x0a0b0c);
    expect(w.length).toBe(28);
    expect(w.buffer.length).toBe(28);
    expect(w.buffer.toString('hex')).toBe(
      [
        '90', 'e0', '1234', '89abcdef', '11223344', // V=2 P=0 X=1 CC=0, M=1 PT=96, seq, ts, ssrc
        'bede', '0003', // one-byte profile, 3 32-bit words follow
        '13', '000003e9', // ID 1, L=3 (4 bytes), participant 1001 big-endian
        '22', '0a0b0c', // ID 2, L=2 (3 bytes), abs-send-time
        '000000', // padding to the word boundary
      ].join(''),
    );
  });

  it('rfc8285 layout with other ids puts them in the element headers', () => {
    const w = new RtpHeaderWriter({ payloadType: 111, ssrc: 1, participantId: 0xfffffffe, extensions: { layout: 'rfc8285', participantIdId: 14, absSendTimeId: 3 } });
    w.stamp(0, 0, false, 0xffffff);
    expect(w.buffer.subarray(12).toString('hex')).toBe('bede0003' + 'e3fffffffe' + '32ffffff' + '000000');
  });

  it("legacy layout (the original platform's receivers): profile 0x0001, one word, little-endian id, 20 bytes", () => {
    const w = new RtpHeaderWriter({ payloadType: 111, ssrc: 7, participantId: 1001, extensions: LEGACY });
    w.stamp(1, 2, false, 0xffffff);
    expect(w.length).toBe(20);
    expect(w.buffer.toString('hex')).toBe('906f0001' + '00000002' + '00000007' + '0001' + '0001' + 'e9030000');
  });

  it('stamp wraps sequence numbers 65535 -> 0 and timestamps at 2^32, and clears the marker', () => {
    const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 1, participantId: 1, extensions: RFC8285 });
    w.stamp(65535, 2 ** 32 - 1, true, 0);
    expect(w.buffer.readUInt16BE(2)).toBe(65535);
    expect(w.buffer.readUInt32BE(4)).toBe(2 ** 32 - 1);
    expect(w.buffer[1]).toBe(0x80 | 96);
    w.stamp(65536, 2 ** 32, false, 0);
    expect(w.buffer.readUInt16BE(2)).toBe(0);
    expect(w.buffer.readUInt32BE(4)).toBe(0);
    expect(w.buffer[1]).toBe(96);
    w.stamp(65536 + 7, 2 ** 32 + 90_000, false, 0);
    expect(w.buffer.readUInt16BE(2)).toBe(7);
    expect(w.buffer.readUInt32BE(4)).toBe(90_000);
  });

  it('stamp touches only seq, timestamp, marker and abs-send-time, in the same buffer', () => {
    const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 0xcafebabe, participantId: 42, extensions: RFC8285 });
    const buffer = w.buffer;
    w.stamp(1, 1, false, 1);
    const before = Buffer.from(w.buffer);
    w.stamp(0xffff, 0xffffffff, true, 0xffffff);
    expect(w.buffer).toBe(buffer);
    const changed: number[] = [];
    for (let i = 0; i < w.length; i++) if (before[i] !== w.buffer[i]) changed.push(i);
    expect(changed).toEqual([1, 2, 3, 4, 5, 6, 7, 22, 23, 24]);
  });

  it('stamp allocates nothing per packet', async () => {
    const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 1, participantId: 1, extensions: RFC8285 });
    const counts = await gcCountsWithControl(2_000_000, (i) => w.stamp(i & 0xffff, i * 3000, (i & 7) === 0, i & 0xffffff));
    expect(counts.control).toBeGreaterThanOrEqual(4);
    expect(counts.body).toBeLessThanOrEqual(1);
  });

  it.each([
    ['payload type 128', { payloadType: 128 }],
    ['negative ssrc', { ssrc: -1 }],
    ['participant id above 2^32-1', { participantId: 2 ** 32 }],
    ['one-byte id 15 (reserved)', { extensions: { ...RFC8285, participantIdId: 15 } }],
    ['one-byte id 0', { extensions: { ...RFC8285, absSendTimeId: 0 } }],
    ['both extensions on one id', { extensions: { ...RFC8285, absSendTimeId: 1 } }],
  ])('refuses %s with E_SCENARIO', (_name, change) => {
    const options = { payloadType: 96, ssrc: 1, participantId: 1, extensions: RFC8285, ...change };
    expect(() => new RtpHeaderWriter(options)).toThrow(AvcmError);
    try {
      new RtpHeaderWriter(options);
    } catch (error) {
      expect((error as AvcmError).code).toBe('E_SCENARIO');
      expect((error as AvcmError).hint).toBeTruthy();
    }
  });
});
