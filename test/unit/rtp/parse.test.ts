import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/plan/rng.js';
import { createParsedRtp, parseRtp, RtpHeaderWriter } from '../../../src/rtp/index.js';
import { gcCountsWithControl } from './allocation.js';

const RFC8285 = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2 };
const LEGACY = { layout: 'legacy' as const, participantIdId: 1, absSendTimeId: 2 };
/** Hex bytes with `#` comments to the end of the line, whitespace ignored. */
const hex = (s: string): Buffer => Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');

describe('RFC 3550 5.1: parseRtp fills one reused object in place', () => {
  it('round-trips both layouts whichever layout the receiver is configured for', () => {
    const out = createParsedRtp();
    for (const sent of [RFC8285, LEGACY]) {
      for (const receiverIds of [RFC8285, LEGACY]) {
        const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 0xdeadbeef, participantId: 4_000_000_000, extensions: sent });
        w.stamp(513, 0xfffffff0, true, 0x123456);
        const packet = Buffer.concat([w.buffer, Buffer.from([1, 2, 3])]);
        expect(parseRtp(packet, packet.length, receiverIds, out)).toBe(true);
        expect(out).toEqual({
          marker: true, padding: false, payloadType: 96, sequenceNumber: 513, timestamp: 0xfffffff0, ssrc: 0xdeadbeef,
          csrcCount: 0, payloadOffset: w.length, payloadLength: 3, participantId: 4_000_000_000,
          absSendTime: sent.layout === 'rfc8285' ? 0x123456 : -1, ridOffset: -1, ridLength: 0,
        });
      }
    }
  });

  it('reads only `length` bytes of a longer reused receive buffer', () => {
    const out = createParsedRtp();
    const w = new RtpHeaderWriter({ payloadType: 111, ssrc: 5, participantId: 9, extensions: RFC8285 });
    w.stamp(1, 960, false, 7);
    const receive = Buffer.alloc(1500, 0xaa);
    w.buffer.copy(receive);
    expect(parseRtp(receive, w.length + 10, RFC8285, out)).toBe(true);
    expect(out.payloadLength).toBe(10);
    expect(out.marker).toBe(false);
  });

  it('clears participantId and absSendTime between packets', () => {
    const out = createParsedRtp();
    const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 5, participantId: 9, extensions: RFC8285 });
    expect(parseRtp(w.buffer, w.length, RFC8285, out)).toBe(true);
    expect(out.participantId).toBe(9);
    const plain = hex('80 60 0001 00000001 00000005 ffff');
    expect(parseRtp(plain, plain.length, RFC8285, out)).toBe(true);
    expect(out).toMatchObject({ participantId: -1, absSendTime: -1, payloadOffset: 12, payloadLength: 2 });
  });

  it('accepts an empty payload (RFC 3550 allows it)', () => {
    const out = createParsedRtp();
    const packet = hex('80 60 0001 00000001 00000005');
    expect(parseRtp(packet, packet.length, RFC8285, out)).toBe(true);
    expect(out.payloadLength).toBe(0);
  });
});

describe('packets from other senders', () => {
  it('5.1 CSRCs + RFC 8285 4.2 unknown one-byte elements and padding bytes between elements + 5.1 padding', () => {
    const out = createParsedRtp();
    const packet = hex(`
      b1 60 0001 00000064 0000000a   # V=2 P=1 X=1 CC=1, PT 96
      0000000b                      # CSRC
      bede 0004                     # 4 words
      31 aabb                       # ID 3 L=1: unknown, skipped
      00                            # padding byte between elements
      13 000003e9                   # ID 1 L=3: participant 1001
      22 010203                     # ID 2 L=2: abs-send-time
      000000                        # padding
      0909                          # payload
      0002                          # RTP padding, count 2`);
    expect(parseRtp(packet, packet.length, RFC8285, out)).toBe(true);
    expect(out).toMatchObject({ csrcCount: 1, participantId: 1001, absSendTime: 0x010203, payloadOffset: 36, payloadLength: 2, padding: true, timestamp: 100, ssrc: 10 });
  });

  it('RFC 8285 4.2: ID 15 stops parsing the extension block', () => {
    const out = createParsedRtp();
    const packet = hex('90 60 0001 00000001 00000002  bede 0002  f0 13 000003e9 0000  ff');
    expect(parseRtp(packet, packet.length, RFC8285, out)).toBe(true);
    expect(out.participantId).toBe(-1);
    expect(out.payloadLength).toBe(1);
  });

  it('RFC 8285 4.3: the two-byte form (0x100X, here with appbits 5)', () => {
    const out = createParsedRtp();
    const packet = hex(`
      90 60 0001 00000001 00000002
      1005 0004                     # two-byte profile, 4 words
      07 00                         # ID 7, length 0 (allowed in this form)
      01 04 000003e9                # ID 1, 4 bytes: participant 1001
      02 03 abcdef                  # ID 2, 3 bytes: abs-send-time
      00 00 00                      # padding
      c0ffee`);
    expect(parseRtp(packet, packet.length, RFC8285, out)).toBe(true);
    expect(out).toMatchObject({ participantId: 1001, absSendTime: 0xabcdef, payloadOffset: 32, payloadLength: 3 });
  });

  it('uses the receiver\'s configured ids and ignores elements of the wrong size', () => {
    const out = createParsedRtp();
    const ids = { layout: 'rfc8285' as const, participantIdId: 5, absSendTimeId: 6 };
    const packet = hex('90 60 0001 00000001 00000002  bede 0003  13 000003e9  53 00000007  61 0102  00');
    expect(parseRtp(packet, packet.length, ids, out)).toBe(true);
    expect(out.participantId).toBe(7);
    expect(out.absSendTime).toBe(-1); // ID 6 carried 2 bytes, abs-send-time has 3
  });

  it('legacy profile 0x0001 with no data word carries no participant id', () => {
    const out = createParsedRtp();
    const packet = hex('90 60 0001 00000001 00000002  0001 0000  77');
    expect(parseRtp(packet, packet.length, LEGACY, out)).toBe(true);
    expect(out).toMatchObject({ participantId: -1, payloadOffset: 16, payloadLength: 1 });
  });

  it('an unknown extension profile is skipped as a whole', () => {
    const out = createParsedRtp();
    const packet = hex('90 60 0001 00000001 00000002  abcd 0001  13000003  77');
    expect(parseRtp(packet, packet.length, RFC8285, out)).toBe(true);
    expect(out).toMatchObject({ participantId: -1, payloadOffset: 20, payloadLength: 1 });
  });
});

describe('malformed packets are refused, never thrown on', () => {
  const good = new RtpHeaderWriter({ payloadType: 96, ssrc: 1, participantId: 1, extensions: RFC8285 }).buffer;
  const cases: Array<[string, Buffer, number?]> = [
    ['zero-length', Buffer.alloc(0)],
    ['shorter than the 12-byte fixed header', good.subarray(0, 11)],
    ['version 0', Buffer.concat([Buffer.from([0x10]), good.subarray(1)])],
    ['version 1', Buffer.concat([Buffer.from([0x50]), good.subarray(1)])],
    ['version 3', Buffer.concat([Buffer.from([0xd0]), good.subarray(1)])],
    ['CSRC list truncated (15 announced)', Buffer.concat([Buffer.from([0x8f]), good.subarray(1, 20)])],
    ['extension header truncated', good.subarray(0, 14)],
    ['extension longer than the packet', good.subarray(0, 27)],
    ['padding count 0', Buffer.concat([Buffer.from([0xa0]), good.subarray(1, 12), Buffer.from([1, 2, 0])])],
    ['padding count larger than the payload', Buffer.concat([Buffer.from([0xa0]), good.subarray(1, 12), Buffer.from([0, 0, 4])])],
    ['length larger than the buffer', good, good.length + 1],
    ['fractional length', good, 27.5],
    ['NaN length', good, Number.NaN],
  ];
  it.each(cases)('%s', (_name, packet, length) => {
    const out = createParsedRtp();
    expect(parseRtp(packet, length ?? packet.length, RFC8285, out)).toBe(false);
  });

  it('padding that exactly consumes the payload is fine', () => {
    const out = createParsedRtp();
    const packet = Buffer.concat([Buffer.from([0xa0]), good.subarray(1, 12), Buffer.from([0, 0, 3])]);
    expect(parseRtp(packet, packet.length, RFC8285, out)).toBe(true);
    expect(out.payloadLength).toBe(0);
  });

  it('fuzz: 100k random buffers (half with version 2 and the extension bit) never throw, and accepted ones stay in bounds', () => {
    const out = createParsedRtp();
    const rng = createRng(20261125);
    const buf = Buffer.alloc(96);
    let thrown = 0;
    let accepted = 0;
    let outOfBounds = 0;
    for (let i = 0; i < 100_000; i++) {
      const len = rng.int(0, buf.length);
      for (let j = 0; j < len; j++) buf[j] = rng.uint32() & 0xff;
      if (i % 2 === 0 && len > 0) buf[0] = 0x90 | (buf[0] & 0x2f);
      if (i % 4 === 0 && len > 14) buf.writeUInt16BE(0xbede, 12 + (buf[0] & 0x0f) * 4 < len - 2 ? 12 + (buf[0] & 0x0f) * 4 : 12);
      try {
        if (parseRtp(buf, len, RFC8285, out)) {
          accepted++;
          if (out.payloadOffset < 12 || out.payloadLength < 0 || out.payloadOffset + out.payloadLength > len) outOfBounds++;
        }
      } catch {
        thrown++;
      }
    }
    expect(thrown).toBe(0);
    expect(outOfBounds).toBe(0);
    expect(accepted).toBeGreaterThan(1000); // the fuzz reaches the extension and padding paths
  });

  it('parseRtp allocates nothing per packet', async () => {
    const out = createParsedRtp();
    const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 0xdeadbeef, participantId: 77, extensions: RFC8285 });
    const receive = Buffer.alloc(1500);
    w.stamp(1, 3_000_000_000, true, 0x123456);
    w.buffer.copy(receive);
    let sum = 0;
    const counts = await gcCountsWithControl(2_000_000, (i) => {
      if (parseRtp(receive, 100 + (i & 63), RFC8285, out)) sum += out.payloadLength;
    });
    expect(sum).toBeGreaterThan(0);
    expect(counts.control).toBeGreaterThanOrEqual(4);
    expect(counts.body).toBeLessThanOrEqual(1);
  });
});
