import { describe, expect, it } from 'vitest';
import {
  absSendTimeDeltaMs,
  absSendTimeFromMs,
  createParsedRtp,
  H264Depacketizer,
  opusPacketDurationMs,
  packetizeH264AccessUnit,
  parseRtp,
  RtpHeaderWriter,
} from '../../../src/rtp/index.js';

const IDS = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2 };
const LEGACY = { layout: 'legacy' as const, participantIdId: 1, absSendTimeId: 2 };

describe('RFC 3550 5.1 + RFC 8285 4.2: the header avcm writes', () => {
  it('rfc8285 layout, byte for byte', () => {
    const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 0x11223344, participantId: 1001, extensions: IDS });
    w.stamp(0x1234, 0x89abcdef, true, 0x0a0b0c);
    expect(w.length).toBe(28);
    expect(w.buffer.toString('hex')).toBe(
      [
        '90', 'e0', '1234', '89abcdef', '11223344', // V=2 X=1, M=1 PT=96, seq, ts, ssrc
        'bede', '0003', // one-byte profile, 3 words
        '13', '000003e9', // ID 1, L=3 (4 bytes), participant 1001 big-endian
        '22', '0a0b0c', // ID 2, L=2 (3 bytes), abs-send-time
        '000000', // padding
      ].join(''),
    );
  });

  it("legacy layout: the original platform's profile 0x0001 with a little-endian id", () => {
    const w = new RtpHeaderWriter({ payloadType: 111, ssrc: 7, participantId: 1001, extensions: LEGACY });
    w.stamp(1, 2, false, 0xffffff);
    expect(w.buffer.toString('hex')).toBe('906f00010000000200000007' + '00010001' + 'e9030000');
  });

  it('stamp wraps sequence numbers at 2^16 and timestamps at 2^32 and clears the marker', () => {
    const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 1, participantId: 1, extensions: IDS });
    w.stamp(65535, 4294967295, true, 0);
    expect(w.buffer.readUInt16BE(2)).toBe(65535);
    expect(w.buffer.readUInt32BE(4)).toBe(4294967295);
    w.stamp(65536 & 0xffff, 4294967296 % 2 ** 32, false, 0);
    expect(w.buffer.readUInt16BE(2)).toBe(0);
    expect(w.buffer.readUInt32BE(4)).toBe(0);
    expect(w.buffer[1]).toBe(96);
  });
});

describe('parseRtp (in place, never throws)', () => {
  it('round-trips both layouts', () => {
    const out = createParsedRtp();
    for (const ext of [IDS, LEGACY]) {
      const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 0xdeadbeef, participantId: 4000000000, extensions: ext });
      w.stamp(513, 90000, true, 0x123456);
      const packet = Buffer.concat([w.buffer, Buffer.from([1, 2, 3])]);
      expect(parseRtp(packet, packet.length, IDS, out)).toBe(true);
      expect(out).toMatchObject({ marker: true, payloadType: 96, sequenceNumber: 513, timestamp: 90000, ssrc: 0xdeadbeef, participantId: 4000000000, payloadOffset: w.length, payloadLength: 3 });
      expect(out.absSendTime).toBe(ext.layout === 'rfc8285' ? 0x123456 : -1);
    }
  });

  it('reads other senders: CSRCs, unknown one-byte elements, the two-byte form (RFC 8285 4.3), padding', () => {
    const out = createParsedRtp();
    // V=2 P=1 X=1 CC=1
    const header = Buffer.from('b1600001000000640000000a' + '0000000b' + '10000003' + '0302aabb' + '0104000003e9' + '0000', 'hex');
    const packet = Buffer.concat([header, Buffer.from([9, 9]), Buffer.from([0, 2])]);
    expect(parseRtp(packet, packet.length, IDS, out)).toBe(true);
    expect(out).toMatchObject({ csrcCount: 1, participantId: 1001, payloadLength: 2, padding: true });
  });

  it('rejects each malformed class', () => {
    const out = createParsedRtp();
    const good = new RtpHeaderWriter({ payloadType: 96, ssrc: 1, participantId: 1, extensions: IDS }).buffer;
    const cases: Buffer[] = [
      Buffer.alloc(0),
      good.subarray(0, 11), // shorter than the fixed header
      Buffer.from([0x40, ...good.subarray(1)]), // version 1
      Buffer.concat([Buffer.from([0x8f]), good.subarray(1, 12)]), // 15 CSRCs announced, none there
      good.subarray(0, 20), // extension longer than the packet
      Buffer.concat([Buffer.from([0xa0]), good.subarray(1, 12), Buffer.from([0, 0, 50])]), // padding count > packet
    ];
    for (const bad of cases) expect(parseRtp(bad, bad.length, IDS, out)).toBe(false);
  });

  it('survives 100k random buffers without throwing', () => {
    const out = createParsedRtp();
    let seed = 1;
    const next = (): number => ((seed = (seed * 48271) % 2147483647) & 0xff);
    const buf = Buffer.alloc(64);
    for (let i = 0; i < 100_000; i++) {
      const len = next() % 64;
      for (let j = 0; j < len; j++) buf[j] = next();
      if (i % 2 === 0) buf[0] = 0x80 | (buf[0] & 0x3f);
      expect(() => parseRtp(buf, len, IDS, out)).not.toThrow();
    }
  });
});

describe('abs-send-time', () => {
  it('is 6.18 fixed-point seconds mod 64 and gives one-way delay across the wrap', () => {
    expect(absSendTimeFromMs(1000)).toBe(1 << 18);
    expect(absSendTimeFromMs(64_000)).toBe(0);
    const sent = absSendTimeFromMs(1_700_000_063_990);
    expect(absSendTimeDeltaMs(sent, 1_700_000_064_015)).toBeCloseTo(25, 1);
  });
});

describe('RFC 6184 packetization-mode 1', () => {
  const sps = Buffer.from([0x67, 0x42, 0xc0, 0x1f, 0xda]);
  const pps = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
  const idr = Buffer.concat([Buffer.from([0x65]), Buffer.alloc(3000, 7)]);

  it('5.7.1 STAP-A: SPS+PPS aggregated with 16-bit sizes, F = OR, NRI = max', () => {
    const payloads = packetizeH264AccessUnit([sps, pps], 1200);
    expect(payloads).toHaveLength(1);
    expect(payloads[0].toString('hex')).toBe('78' + '0005' + sps.toString('hex') + '0004' + pps.toString('hex'));
  });

  it('5.6 single NAL unit packets pass through unchanged', () => {
    const slice = Buffer.from([0x41, 1, 2, 3]);
    expect(packetizeH264AccessUnit([slice], 1200)).toEqual([slice]);
  });

  it('5.8 FU-A: indicator carries F|NRI, S on the first, E on the last, sizes within budget, lossless', () => {
    const payloads = packetizeH264AccessUnit([sps, pps, idr], 1200);
    const fus = payloads.slice(1);
    expect(fus).toHaveLength(3);
    for (const fu of fus) {
      expect(fu.length).toBeLessThanOrEqual(1200);
      expect(fu[0]).toBe(0x60 | 28); // NRI 3 from 0x65
      expect(fu[1] & 0x1f).toBe(5);
    }
    expect(fus.map((f) => f[1] & 0xc0)).toEqual([0x80, 0x00, 0x40]);
    expect(Buffer.concat([Buffer.from([0x65]), ...fus.map((f) => f.subarray(2))])).toEqual(idr);
  });

  it('depacketizes back to the Annex-B access unit', () => {
    const payloads = packetizeH264AccessUnit([sps, pps, idr], 1200);
    const d = new H264Depacketizer();
    let unit: Buffer | null = null;
    payloads.forEach((p, i) => (unit = d.push(p, i === payloads.length - 1, 3000) ?? unit));
    const start = Buffer.from([0, 0, 0, 1]);
    expect(unit).toEqual(Buffer.concat([start, sps, start, pps, start, idr]));
    expect(d.errors).toBe(0);
  });

  it('counts an FU-A that starts mid-unit as an error', () => {
    const d = new H264Depacketizer();
    d.push(Buffer.from([0x7c, 0x05, 1, 2]), true, 1);
    expect(d.errors).toBe(1);
  });
});

describe('RFC 7587 / RFC 6716 3.1: Opus packet duration from the TOC', () => {
  it('reads config and frame count codes', () => {
    expect(opusPacketDurationMs(Buffer.from([(1 << 3) | 0]))).toBe(20); // SILK NB 20 ms, 1 frame
    expect(opusPacketDurationMs(Buffer.from([(31 << 3) | 1]))).toBe(40); // CELT FB 20 ms, 2 frames
    expect(opusPacketDurationMs(Buffer.from([(16 << 3) | 3, 4]))).toBe(10); // CELT 2.5 ms x 4
    expect(opusPacketDurationMs(Buffer.alloc(0))).toBe(0);
  });
});
