import { describe, expect, it } from 'vitest';
import { emptyReportBlock, isRtcpPacket, nackBytes, nackEntryCount, PLI_BYTES, REPORT_BLOCK_BYTES, RR_BYTES, RtcpReader, sdesCnameBytes, SR_BYTES, writeNack, writePli, writeReceiverReport, writeSdesCname, writeSenderReport } from '../../../src/rtcp/index.js';
import { hex, padLast, readAll } from './wire.js';

const CNAME = Buffer.from('avcm-1', 'latin1');
const SDES_BYTES = `81 ca 0004  00000001  01 06 6176636d2d31 00000000`; // CNAME "avcm-1": header, SSRC, 8 bytes of item, a null word
const NACK_AT = RR_BYTES + 20;
const RR_EMPTY_BYTES = '80 c9 0001 00000001';
const NACK_BYTES = '81 cd 0003 00000001 00000002 0064 0001';

/** An empty RR, an SDES CNAME and a NACK from SSRC 1 about SSRC 2, as a receiver sends them. */
function rrSdesNack(): Buffer {
  const seqs = [100, 101];
  const buf = Buffer.alloc(RR_BYTES + sdesCnameBytes(CNAME.length) + nackBytes(nackEntryCount(seqs, 2)));
  let at = writeReceiverReport(buf, 0, 1, [], 0);
  at = writeSdesCname(buf, at, 1, CNAME);
  at = writeNack(buf, at, 1, 2, seqs, 2);
  expect(at).toBe(buf.length);
  return buf;
}

describe('RFC 3550 6.1: compound packets', () => {
  it('SR + SDES: the writers chain into one buffer, the reader walks both', () => {
    const blocks = [{ ...emptyReportBlock(), ssrc: 2, extendedHighestSeq: 77 }];
    const buf = Buffer.alloc(SR_BYTES + REPORT_BLOCK_BYTES + sdesCnameBytes(CNAME.length));
    let at = writeSenderReport(buf, 0, 1, 1_700_000_000_250, 90_000, 10, 12_000, blocks, 1);
    at = writeSdesCname(buf, at, 1, CNAME);
    expect(at).toBe(buf.length);
    expect(buf).toEqual(hex(`
      81 c8 000c 00000001 e8fe6f80 40000000 00015f90 0000000a 00002ee0
      00000002 00 000000 0000004d 00000000 00000000 00000000
      ${SDES_BYTES}
    `));
    expect(readAll(buf)).toEqual({
      problem: null,
      events: [
        ['sr', 1, 0xe8fe6f80, 0x4000_0000, 90_000, 10, 12_000],
        ['block', 1, blocks[0]],
        ['cname', 1, 'avcm-1'],
      ],
      packets: 2,
      startedWithReport: true,
    });
  });

  it('RR + SDES + NACK: an empty RR leads feedback in a full compound', () => {
    const buf = rrSdesNack();
    expect(buf).toEqual(hex(`${RR_EMPTY_BYTES} ${SDES_BYTES} ${NACK_BYTES}`));
    expect(readAll(buf)).toEqual({
      problem: null,
      events: [['rr', 1], ['cname', 1, 'avcm-1'], ['nack', 1, 2, 100, 1]],
      packets: 3,
      startedWithReport: true,
    });
  });

  it('reads only `length` bytes of a larger receive buffer', () => {
    const packet = rrSdesNack();
    const receive = Buffer.alloc(1500, 0x81);
    packet.copy(receive);
    expect(readAll(receive, packet.length)).toMatchObject({ problem: null, packets: 3 });
  });

  it('one reader reads datagram after datagram; packets and startedWithReport describe the last', () => {
    const reader = new RtcpReader();
    const pli = Buffer.alloc(PLI_BYTES);
    writePli(pli, 0, 1, 2);
    expect(reader.read(rrSdesNack(), rrSdesNack().length, {})).toBeNull();
    expect([reader.packets, reader.startedWithReport]).toEqual([3, true]);
    expect(reader.read(pli, pli.length, {})).toBeNull();
    expect([reader.packets, reader.startedWithReport]).toEqual([1, false]);
    expect(reader.read(pli, 2, {})).toBe('short');
    expect([reader.packets, reader.startedWithReport]).toEqual([0, false]);
  });
});

describe('RFC 5506: reduced-size RTCP', () => {
  it('a lone PLI or NACK reads as one packet that did not start with a report', () => {
    const pli = Buffer.alloc(PLI_BYTES);
    writePli(pli, 0, 1, 2);
    expect(readAll(pli)).toEqual({ problem: null, events: [['pli', 1, 2]], packets: 1, startedWithReport: false });
    expect(readAll(hex(NACK_BYTES))).toEqual({ problem: null, events: [['nack', 1, 2, 100, 1]], packets: 1, startedWithReport: false });
  });

  it('feedback first and a report later is still read, and still not a full compound', () => {
    const buf = hex(`${NACK_BYTES} ${RR_EMPTY_BYTES}`);
    expect(readAll(buf)).toEqual({ problem: null, events: [['nack', 1, 2, 100, 1], ['rr', 1]], packets: 2, startedWithReport: false });
  });
});

describe('RFC 3550 A.2: padding only on the last packet', () => {
  it('padding on the last packet is accepted and its octets are not read as items', () => {
    for (const pad of [4, 8, 12]) {
      const buf = padLast(rrSdesNack(), NACK_AT, pad);
      expect(readAll(buf)).toEqual({ problem: null, events: [['rr', 1], ['cname', 1, 'avcm-1'], ['nack', 1, 2, 100, 1]], packets: 3, startedWithReport: true });
    }
  });

  it('padding octets that would look like an item are not delivered', () => {
    // A BYE whose SC says 2 but whose second word is padding.
    const bye = hex('a2 cb 0002 00000009 00000004');
    expect(readAll(bye)).toMatchObject({ problem: null, events: [['bye', 9]] });
  });

  it('a padding count that is not a multiple of 4 ends the body mid-word: a partial FCI entry is not delivered', () => {
    const nack = hex('a1 cd 0004 00000001 00000002 0064 0001 0065 00 03'); // 3 octets of padding
    expect(readAll(nack)).toMatchObject({ problem: null, events: [['nack', 1, 2, 100, 1]] });
  });

  it('padding that fills the whole body is allowed (count = packet bytes - header)', () => {
    const buf = padLast(hex(RR_EMPTY_BYTES), 0, 4);
    expect(readAll(buf)).toMatchObject({ problem: null, events: [['rr', 1]] });
    const allPadding = hex('a0 c9 0001 00000004');
    expect(readAll(allPadding)).toMatchObject({ problem: null, events: [] });
  });

  it('padding on a packet that is not the last is a "padding" problem', () => {
    const buf = rrSdesNack();
    buf[0] |= 0x20; // P on the RR
    expect(readAll(buf)).toMatchObject({ problem: 'padding', events: [] });
    const middle = rrSdesNack();
    middle[RR_BYTES] |= 0x20; // P on the SDES
    expect(readAll(middle)).toMatchObject({ problem: 'padding', events: [['rr', 1]] });
  });

  it('a padding count of 0, or one reaching into the header, is a "padding" problem', () => {
    expect(readAll(padLast(rrSdesNack(), NACK_AT, 4, 0)).problem).toBe('padding');
    expect(readAll(padLast(rrSdesNack(), NACK_AT, 4, 17)).problem).toBe('padding');
    expect(readAll(padLast(rrSdesNack(), NACK_AT, 4, 16)).problem).toBeNull(); // 12 bytes of NACK body + 4 of padding
  });
});

describe('RFC 3550 A.2: malformed datagrams', () => {
  it('"short": fewer than 4 bytes, a length beyond the buffer, or a trailing partial header', () => {
    for (let n = 0; n < 4; n++) expect(readAll(hex(RR_EMPTY_BYTES), n).problem).toBe('short');
    expect(readAll(hex(RR_EMPTY_BYTES), 9).problem).toBe('short');
    const trailing = hex(`${RR_EMPTY_BYTES} 80c9`);
    expect(readAll(trailing)).toMatchObject({ problem: 'short', events: [['rr', 1]], packets: 1 });
  });

  it('"version": the first packet or a later one is not version 2; items before it are still delivered', () => {
    for (const b0 of [0x00, 0x40, 0xc0]) expect(readAll(hex(`${b0.toString(16).padStart(2, '0')}c9 0001 00000001`)).problem).toBe('version');
    const later = hex(`${RR_EMPTY_BYTES} 40ca 0001 00000001`);
    expect(readAll(later)).toMatchObject({ problem: 'version', events: [['rr', 1]], packets: 1 });
  });

  it('"length": a packet claims more bytes than the datagram has', () => {
    expect(readAll(hex('80 c9 0002 00000001')).problem).toBe('length');
    const buf = rrSdesNack();
    buf.writeUInt16BE(4, NACK_AT + 2); // the NACK claims 20 bytes, 16 remain
    expect(readAll(buf)).toMatchObject({ problem: 'length', events: [['rr', 1], ['cname', 1, 'avcm-1']] });
  });

  it('a length that ends a packet early leaves its tail to be read as the next header', () => {
    const buf = hex(`81 c9 0001 00000001 ${'00'.repeat(24)}`); // RC=1 but length covers no block
    expect(readAll(buf)).toMatchObject({ problem: 'version', events: [['rr', 1]] });
  });

  it('a packet too short for its fixed part is skipped, not read past its end', () => {
    const buf = hex(`80 c8 0001 00000001  81 ce 0001 00000001  ${RR_EMPTY_BYTES}`); // 8-byte SR, 8-byte PLI
    expect(readAll(buf)).toMatchObject({ problem: null, events: [['rr', 1]], packets: 3 });
  });

  it('report blocks beyond the packet length are not delivered', () => {
    const buf = hex(`82 c9 0007 00000001 ${'00000005 00 000000 00000000 00000000 00000000 00000000'}`); // RC=2, one block
    expect(readAll(buf).events.map((e) => e[0])).toEqual(['rr', 'block']);
  });
});

describe('unknown packet types and FMTs are skipped', () => {
  it('APP, XR, an unassigned type, TWCC (RTPFB 15), SLI and RPSI (PSFB 2, 3) between known packets', () => {
    const buf = hex(`
      ${RR_EMPTY_BYTES}
      80 cc 0003 00000001 61626364 01020304           # APP "abcd" (RFC 3550 6.7)
      80 cf 0002 00000001 04 00 0000                  # XR with an empty-ish block (RFC 3611)
      80 d2 0000                                      # PT 210: unassigned
      8f cd 0004 00000001 00000002 0001 0001 00000a00 # RTPFB FMT 15 (transport-wide CC)
      82 ce 0003 00000001 00000002 00010040           # PSFB FMT 2 SLI
      83 ce 0003 00000001 00000002 00600000           # PSFB FMT 3 RPSI
      81 cd 0003 00000001 00000002 0064 0001          # RTPFB FMT 1 NACK
      8f ce 0002 00000001 00000002                    # AFB too short to say REMB
    `);
    expect(readAll(buf)).toEqual({ problem: null, events: [['rr', 1], ['nack', 1, 2, 100, 1]], packets: 9, startedWithReport: true });
  });

  it('a visitor without a method for an item simply does not hear it', () => {
    const nacks: number[] = [];
    expect(new RtcpReader().read(rrSdesNack(), rrSdesNack().length, { nack: (_s, _m, pid) => nacks.push(pid) })).toBeNull();
    expect(nacks).toEqual([100]);
  });
});

describe('RFC 5761 4: isRtcpPacket on a multiplexed 5-tuple', () => {
  const packet = (b0: number, b1: number, length = 8): Uint8Array => {
    const buf = new Uint8Array(8);
    buf[0] = b0;
    buf[1] = b1;
    return buf.subarray(0, length);
  };

  it('the second octet 192..223 is RTCP; 191 and 224 are RTP (payload types 64..95 avoided)', () => {
    expect(isRtcpPacket(packet(0x80, 191), 8)).toBe(false);
    expect(isRtcpPacket(packet(0x80, 192), 8)).toBe(true);
    expect(isRtcpPacket(packet(0x80, 200), 8)).toBe(true);
    expect(isRtcpPacket(packet(0x80, 223), 8)).toBe(true);
    expect(isRtcpPacket(packet(0x80, 224), 8)).toBe(false);
  });

  it('RTP with marker set and payload type 96..127 or 0..63 is not RTCP', () => {
    expect(isRtcpPacket(packet(0x80, 0x80 | 96), 8)).toBe(false);
    expect(isRtcpPacket(packet(0x80, 0x80 | 63), 8)).toBe(false);
    expect(isRtcpPacket(packet(0x80, 111), 8)).toBe(false);
  });

  it('version other than 2, or fewer than 4 bytes, is not RTCP', () => {
    for (const b0 of [0x00, 0x40, 0xc0]) expect(isRtcpPacket(packet(b0, 200), 8)).toBe(false);
    expect(isRtcpPacket(packet(0xa0, 200), 8)).toBe(true); // padding bit does not matter
    expect(isRtcpPacket(packet(0x80, 200), 3)).toBe(false);
    expect(isRtcpPacket(packet(0x80, 200), 4)).toBe(true);
    expect(isRtcpPacket(new Uint8Array(0), 0)).toBe(false);
  });

  it('every RTCP packet the writers produce is recognised', () => {
    expect(isRtcpPacket(rrSdesNack(), rrSdesNack().length)).toBe(true);
    const pli = Buffer.alloc(PLI_BYTES);
    writePli(pli, 0, 1, 2);
    expect(isRtcpPacket(pli, pli.length)).toBe(true);
  });
});
