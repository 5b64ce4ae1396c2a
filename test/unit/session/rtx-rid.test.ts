import { describe, expect, it } from 'vitest';
import { absSendTimeFromMs, RtpHeaderWriter } from '../../../src/rtp/index.js';
import { NackResponder, SendHistory, SenderStats } from '../../../src/session/index.js';

const EXTENSIONS = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2, ridId: 10, repairedRidId: 11, midId: 4 };

/** One-byte RFC 8285 elements of a packet as id -> value, read by hand (not by avcm's parser). */
function elements(packet: Buffer): Map<number, string> {
  expect(packet.readUInt16BE(12)).toBe(0xbede);
  const end = 16 + packet.readUInt16BE(14) * 4;
  const out = new Map<number, string>();
  for (let at = 16; at < end; ) {
    if (packet[at] === 0) {
      at++;
      continue;
    }
    const id = packet[at] >> 4;
    const length = (packet[at] & 0x0f) + 1;
    out.set(id, packet.toString('latin1', at + 1, at + 1 + length));
    at += 1 + length;
  }
  return out;
}

describe('RFC 8852 3.2: a simulcast layer retransmits on RTX with repaired-rtp-stream-id', () => {
  function layer(rtx: boolean) {
    const header = (): RtpHeaderWriter => new RtpHeaderWriter({ payloadType: 96, ssrc: 0x1111, participantId: 1001, extensions: EXTENSIONS, rid: 'm', mid: '0' });
    const writer = header();
    const history = new SendHistory(64);
    const sent: Buffer[] = [];
    const responder = new NackResponder(
      history,
      header(),
      rtx ? { ssrc: 0x2222, payloadType: 97, sequenceNumber: 500, repairedRidId: EXTENSIONS.repairedRidId } : null,
      (h, length, payload) => sent.push(Buffer.concat([h.subarray(0, length), payload])),
      new SenderStats(1001, 'video', 0x1111, rtx ? 0x2222 : null, 2),
      () => undefined,
    );
    for (let seq = 0; seq < 10; seq++) {
      writer.stamp(seq, 3000 * seq, true, absSendTimeFromMs(seq));
      history.record(seq, 3000 * seq, true, Buffer.from([0x65, seq]));
    }
    return { writer, responder, sent };
  }

  it('the RTX packet names the layer it repairs under the RRID id, keeps the MID, and its media packets keep the RID', () => {
    const { writer, responder, sent } = layer(true);
    responder.onNackEntry(4, 0, 100, 1_000, 5);
    expect(sent).toHaveLength(1);
    const rtx = sent[0];
    expect(rtx.readUInt32BE(8)).toBe(0x2222);
    const ext = elements(rtx);
    expect(ext.get(11)).toBe('m');
    expect(ext.has(10)).toBe(false);
    expect(ext.get(4)).toBe('0');
    // OSN then the original payload
    expect(rtx.subarray(writer.length)).toEqual(Buffer.from([0, 4, 0x65, 4]));
    expect(elements(writer.buffer).get(10)).toBe('m');
  });

  it('without RTX the same packet goes again, RID and all', () => {
    const { responder, sent } = layer(false);
    responder.onNackEntry(4, 0, 100, 1_000, 5);
    expect(sent[0].readUInt32BE(8)).toBe(0x1111);
    expect(elements(sent[0]).get(10)).toBe('m');
  });
});
