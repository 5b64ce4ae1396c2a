import { describe, expect, it } from 'vitest';
import { AvcmError } from '../../../src/errors/index.js';
import { createParsedRtp, parseRtp, readRid, RtpHeaderWriter } from '../../../src/rtp/index.js';
import { gcCountDuring } from './allocation.js';

const SIMULCAST = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2, ridId: 10, repairedRidId: 11, midId: 4 };

describe('RFC 8852 3.1 rtp-stream-id and RFC 8843 15.2 mid in the header avcm writes', () => {
  it('a layer with RID "h" and MID "0": one-byte elements after avcm\'s two, padded to a word (32 bytes)', () => {
    const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 0x11223344, participantId: 1001, extensions: SIMULCAST, rid: 'h', mid: '0' });
    w.stamp(0x1234, 0x89abcdef, true, 0x0a0b0c);
    expect(w.length).toBe(32);
    expect(w.buffer.toString('hex')).toBe(
      [
        '90', 'e0', '1234', '89abcdef', '11223344',
        'bede', '0004', // 4 words: 5 + 4 + 2 + 2 = 13 bytes of elements, padded to 16
        '13', '000003e9', // participant id
        '22', '0a0b0c', // abs-send-time
        'a0', '68', // ID 10, L=0 (1 byte): "h"
        '40', '30', // ID 4, L=0 (1 byte): "0"
        '000000',
      ].join(''),
    );
    expect(w.ridOffset).toBe(25);
  });

  it('a 16-byte RID fills one element (L = 15); without MID the block is padded the same way', () => {
    const rid = 'abcdefghijklmnop';
    const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 1, participantId: 2, extensions: SIMULCAST, rid });
    // 9 + 17 = 26 bytes of elements -> 28 -> 7 words
    expect(w.buffer.readUInt16BE(14)).toBe(7);
    expect(w.length).toBe(12 + 4 + 28);
    expect(w.buffer[25]).toBe((10 << 4) | 15);
    expect(w.buffer.toString('ascii', 26, 42)).toBe(rid);
    expect(w.buffer.subarray(42).toString('hex')).toBe('0000');
  });

  it('a stream without simulcast is written exactly as before (no RID element, 28 bytes)', () => {
    const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 1, participantId: 2, extensions: SIMULCAST });
    expect(w.length).toBe(28);
    expect(w.ridOffset).toBe(-1);
  });

  it('rejects RIDs that do not fit a one-byte element, the legacy layout, and ids that clash or are missing', () => {
    const make = (over: object) => () => new RtpHeaderWriter({ payloadType: 96, ssrc: 1, participantId: 2, extensions: SIMULCAST, ...over });
    expect(make({ rid: 'abcdefghijklmnopq' })).toThrow(/1\.\.16/);
    expect(make({ rid: 'h m' })).toThrow(AvcmError);
    expect(make({ rid: 'h', extensions: { ...SIMULCAST, layout: 'legacy' } })).toThrow(/RFC 8285/);
    expect(make({ rid: 'h', extensions: { ...SIMULCAST, ridId: 2 } })).toThrow(/abs_send_time and rtp_stream_id share extension id 2/);
    expect(make({ mid: '0', extensions: { layout: 'rfc8285', participantIdId: 1, absSendTimeId: 2 } })).toThrow(/midId=undefined/);
  });
});

describe('parseRtp reads the RID in place', () => {
  it("from avcm's own header, and allocation-free per packet", async () => {
    const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 9, participantId: 1001, extensions: SIMULCAST, rid: 'mid1', mid: '1' });
    w.stamp(7, 8, false, 5);
    const packet = Buffer.concat([w.buffer, Buffer.from([1, 2, 3])]);
    const p = createParsedRtp();
    expect(parseRtp(packet, packet.length, SIMULCAST, p)).toBe(true);
    expect([p.participantId, p.absSendTime, p.payloadLength]).toEqual([1001, 5, 3]);
    expect(readRid(packet, p)).toBe('mid1');
    const gcs = await gcCountDuring(1_000_000, () => parseRtp(packet, packet.length, SIMULCAST, p));
    expect(gcs).toBe(0);
  });

  it("from a browser-like packet: mid, then rid, then other elements, in the one-byte form (hand-written bytes)", () => {
    // 0xBEDE, 3 words: [id 4 "1"] [id 10 "q"] [id 3 transport-cc 2 bytes] [pad]
    const packet = Buffer.from('906000010000000200000003' + 'bede0003' + '4031' + 'a071' + '310102' + '0000000000' + 'ffff', 'hex');
    const p = createParsedRtp();
    expect(parseRtp(packet, packet.length, SIMULCAST, p)).toBe(true);
    expect(readRid(packet, p)).toBe('q');
    expect(p.participantId).toBe(-1);
    expect(p.payloadLength).toBe(2);
  });

  it('from the two-byte form (RFC 8285 4.3), where a RID may be longer; a packet without one reads as null', () => {
    // profile 0x1000, 2 words: [id 10, len 5, "layer"] [pad]
    const packet = Buffer.from('906000010000000200000003' + '10000002' + '0a05' + Buffer.from('layer').toString('hex') + '00', 'hex');
    const p = createParsedRtp();
    expect(parseRtp(packet, packet.length, SIMULCAST, p)).toBe(true);
    expect(readRid(packet, p)).toBe('layer');
    const plain = new RtpHeaderWriter({ payloadType: 96, ssrc: 9, participantId: 1, extensions: SIMULCAST });
    expect(parseRtp(plain.buffer, plain.length, SIMULCAST, p)).toBe(true);
    expect(readRid(plain.buffer, p)).toBeNull();
  });

  it('ids the receiver was not told about are skipped: no ridId, no RID', () => {
    const w = new RtpHeaderWriter({ payloadType: 96, ssrc: 9, participantId: 1001, extensions: SIMULCAST, rid: 'h' });
    const p = createParsedRtp();
    expect(parseRtp(w.buffer, w.length, { layout: 'rfc8285', participantIdId: 1, absSendTimeId: 2 }, p)).toBe(true);
    expect(p.ridLength).toBe(0);
    expect(p.participantId).toBe(1001);
  });
});
