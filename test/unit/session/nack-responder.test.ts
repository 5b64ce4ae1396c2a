import { RtpPacket, unwrapRtx } from 'werift';
import { describe, expect, it } from 'vitest';
import { absSendTimeFromMs, RtpHeaderWriter } from '../../../src/rtp/index.js';
import { NackResponder, SendHistory, SenderStats, type RtxStream } from '../../../src/session/index.js';

const EXTENSIONS = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2 };
const MEDIA_SSRC = 0x8765_4321;
const RTX_SSRC = 0xfeed_beef;
const MEDIA_PT = 96;
const RTX_PT = 97;
const EPOCH = 1_700_000_000_000;

interface Sent {
  bytes: Buffer;
  headerLength: number;
  nowMs: number;
}

/**
 * A stream as the engine runs it: one reused header writer, a history, a responder whose output
 * copies what leaves (the engine's header buffers are reused right after).
 */
function stream(rtx: RtxStream | null, historyPackets = 64) {
  const writer = new RtpHeaderWriter({ payloadType: MEDIA_PT, ssrc: MEDIA_SSRC, participantId: 1001, extensions: EXTENSIONS });
  const history = new SendHistory(historyPackets);
  // The responder's own header writer (the engine gives each stream one for resends).
  const resendHeader = new RtpHeaderWriter({ payloadType: MEDIA_PT, ssrc: MEDIA_SSRC, participantId: 1001, extensions: EXTENSIONS });
  const stats = new SenderStats(1001, 'video', MEDIA_SSRC, rtx ? rtx.ssrc : null, 4);
  const sent: Sent[] = [];
  const sameSsrcBytes: number[] = [];
  const responder = new NackResponder(
    history,
    resendHeader,
    rtx,
    (header, headerLength, payload, nowMs) => sent.push({ bytes: Buffer.concat([header.subarray(0, headerLength), payload]), headerLength, nowMs }),
    stats,
    (bytes) => sameSsrcBytes.push(bytes),
  );
  const originals = new Map<number, Buffer>();
  /** Sends (records) packet `seq`: timestamp 3000 per 4 packets, marker on every 4th, payload tagged with its number. */
  const send = (seq: number, nowMs: number): void => {
    const marker = seq % 4 === 3;
    const timestamp = 0x9000_0000 + Math.floor(seq / 4) * 3000;
    writer.stamp(seq, timestamp, marker, absSendTimeFromMs(EPOCH + nowMs));
    const payload = Buffer.from([0x7c, 0x81, seq >> 8, seq & 0xff, 0xab, 0xcd]);
    history.record(seq & 0xffff, timestamp | 0, marker, payload);
    originals.set(seq & 0xffff, Buffer.concat([writer.buffer, payload]));
  };
  const totals = () => stats.report().totals;
  return { writer, history, stats, responder, sent, sameSsrcBytes, originals, send, totals };
}

describe('NackResponder (RFC 4585 6.2.1 generic NACK answered from the send history)', () => {
  it('RFC 4585 6.2.1: answers the PID and every PID + i + 1 whose BLP bit i is set, in that order', () => {
    const s = stream(null);
    for (let seq = 0; seq < 40; seq++) s.send(seq, seq);
    s.responder.onNackEntry(10, 0b1000_0000_0000_0101, 100, EPOCH + 100, 5);
    expect(s.sent.map((p) => p.bytes.readUInt16BE(2))).toEqual([10, 11, 13, 26]);
    expect(s.totals().packetsNacked).toBe(4);
  });

  it('RFC 4585 6.2.1: the BLP reaches across the 16-bit wrap (PID 65535: bit 0 is 0, bit 2 is 2)', () => {
    const s = stream(null);
    for (let seq = 65_530; seq < 65_536 + 10; seq++) s.send(seq & 0xffff, seq);
    s.responder.onNackEntry(65_535, 0b101, 100, EPOCH + 100, 5);
    expect(s.sent.map((p) => p.bytes.readUInt16BE(2))).toEqual([65_535, 0, 2]);
  });

  it('RFC 4588 4: an RTX packet has the RTX SSRC, payload type and sequence number, the original sequence number first in the payload, and keeps marker, timestamp and extensions (checked by hand)', () => {
    const rtx: RtxStream = { ssrc: RTX_SSRC, payloadType: RTX_PT, sequenceNumber: 65_535 };
    const s = stream(rtx);
    for (let seq = 0; seq < 8; seq++) s.send(seq, seq * 10);
    s.responder.onNackEntry(3, 0b1, 100, EPOCH + 100, 5); // 3 (marker) and 4 (no marker)
    expect(s.sent).toHaveLength(2);
    const [first, second] = s.sent;
    for (const [packet, seq, rtxSeq] of [[first, 3, 65_535], [second, 4, 0]] as const) {
      const original = s.originals.get(seq)!;
      const b = packet.bytes;
      expect(packet.headerLength).toBe(s.writer.length + 2);
      expect(b[0]).toBe(original[0]); // V=2, X=1, CC=0 unchanged
      expect(b[1] & 0x80).toBe(original[1] & 0x80); // marker kept
      expect(b[1] & 0x7f).toBe(RTX_PT);
      expect(b.readUInt16BE(2)).toBe(rtxSeq); // the RTX stream's own sequence, across its wrap
      expect(b.readUInt32BE(4)).toBe(original.readUInt32BE(4)); // timestamp kept
      expect(b.readUInt32BE(8)).toBe(RTX_SSRC);
      // The extension block is the original's but for a fresh abs-send-time.
      const at = s.writer.absSendTimeOffset;
      expect(b.subarray(12, at)).toEqual(original.subarray(12, at));
      expect(b.readUIntBE(at, 3)).toBe(absSendTimeFromMs(EPOCH + 100));
      expect(b.subarray(at + 3, s.writer.length)).toEqual(original.subarray(at + 3, s.writer.length));
      // Payload: OSN, then the original payload.
      expect(b.readUInt16BE(s.writer.length)).toBe(seq);
      expect(b.subarray(s.writer.length + 2)).toEqual(original.subarray(s.writer.length));
    }
    expect(first.bytes[1] & 0x80).toBe(0x80);
    expect(second.bytes[1] & 0x80).toBe(0);
    expect(rtx.sequenceNumber).toBe(1);
    expect(s.sameSsrcBytes).toEqual([]); // RTX has its own SSRC: not in the media SR's counts
  });

  it('RFC 4588 4: werift parses the RTX packet and unwrapRtx restores the original (an independent implementation)', () => {
    const rtx: RtxStream = { ssrc: RTX_SSRC, payloadType: RTX_PT, sequenceNumber: 4242 };
    const s = stream(rtx);
    for (let seq = 0; seq < 8; seq++) s.send(seq, seq * 10);
    s.responder.onNackEntry(7, 0, 200, EPOCH + 200, 5);
    const parsed = RtpPacket.deSerialize(s.sent[0].bytes);
    expect(parsed.header.ssrc).toBe(RTX_SSRC);
    expect(parsed.header.payloadType).toBe(RTX_PT);
    expect(parsed.header.sequenceNumber).toBe(4242);
    expect(parsed.header.marker).toBe(true);
    expect(parsed.header.extensions.map((e) => e.id)).toEqual([EXTENSIONS.participantIdId, EXTENSIONS.absSendTimeId]);
    expect(parsed.header.extensions[0].payload.readUInt32BE(0)).toBe(1001);
    const original = RtpPacket.deSerialize(s.originals.get(7)!);
    const unwrapped = unwrapRtx(parsed, MEDIA_PT, MEDIA_SSRC);
    expect(unwrapped.header.sequenceNumber).toBe(7);
    expect(unwrapped.header.timestamp).toBe(original.header.timestamp);
    expect(unwrapped.header.marker).toBe(original.header.marker);
    expect(unwrapped.header.ssrc).toBe(MEDIA_SSRC);
    expect(unwrapped.header.payloadType).toBe(MEDIA_PT);
    expect(unwrapped.payload).toEqual(original.payload);
  });

  it('without RTX resends the same packet, re-stamped with a fresh abs-send-time, and counts it in the SR', () => {
    const s = stream(null);
    for (let seq = 0; seq < 8; seq++) s.send(seq, seq * 10);
    s.responder.onNackEntry(2, 0, 500, EPOCH + 500, 5);
    const resent = s.sent[0].bytes;
    const original = s.originals.get(2)!;
    const at = s.writer.absSendTimeOffset;
    expect(resent.length).toBe(original.length);
    expect(resent.subarray(0, at)).toEqual(original.subarray(0, at));
    expect(resent.readUIntBE(at, 3)).toBe(absSendTimeFromMs(EPOCH + 500));
    expect(resent.readUIntBE(at, 3)).not.toBe(original.readUIntBE(at, 3));
    expect(resent.subarray(at + 3)).toEqual(original.subarray(at + 3));
    expect(s.sameSsrcBytes).toEqual([6]);
    expect(s.sent[0].nowMs).toBe(500);
  });

  it('does not resend a packet again within minResendIntervalMs (a second NACK crossed the retransmission)', () => {
    const s = stream(null);
    for (let seq = 0; seq < 8; seq++) s.send(seq, 0);
    s.responder.onNackEntry(5, 0, 100, EPOCH + 100, 30);
    s.responder.onNackEntry(5, 0, 129, EPOCH + 129, 30);
    expect(s.sent).toHaveLength(1);
    s.responder.onNackEntry(5, 0, 130, EPOCH + 130, 30);
    expect(s.sent).toHaveLength(2);
    // Suppressed requests still count as requested, not as sent.
    expect(s.totals()).toMatchObject({ packetsNacked: 3, retransmissionsSent: 2, retransmissionsMissed: 0 });
  });

  it('counts NACKed packets that are not (or no longer) in the history as missed, and sends nothing for them', () => {
    const s = stream(null, 16);
    for (let seq = 0; seq < 40; seq++) s.send(seq, seq);
    s.responder.onNackEntry(20, 0b11, 100, EPOCH + 100, 5); // 20..22: overwritten (the ring holds 24..39)
    s.responder.onNackEntry(38, 0b111, 100, EPOCH + 100, 5); // 38, 39 held; 40, 41 never sent
    expect(s.sent.map((p) => p.bytes.readUInt16BE(2))).toEqual([38, 39]);
    expect(s.totals()).toMatchObject({ packetsNacked: 7, retransmissionsSent: 2, retransmissionsMissed: 5 });
  });

  it('counts each figure in the window of the NACK (run ms / 1000)', () => {
    const s = stream(null);
    for (let seq = 0; seq < 8; seq++) s.send(seq, 0);
    s.responder.onNackEntry(1, 0, 500, EPOCH, 5);
    s.responder.onNackEntry(2, 0, 2500, EPOCH, 5);
    s.responder.onNackEntry(99, 0, 2999, EPOCH, 5);
    const windows = s.stats.report(3).windows;
    expect(windows.packetsNacked).toEqual([1, 0, 2]);
    expect(windows.retransmissionsSent).toEqual([1, 0, 1]);
    expect(windows.retransmissionsMissed).toEqual([0, 0, 1]);
  });
});
