/**
 * The native SRTP/SRTCP (RFC 3711, RFC 7714) against an implementation that is not avcm's:
 * werift's SrtpSession/SrtcpSession (JavaScript on node:crypto) decrypts what the native path
 * protects and the native path decrypts what werift protects, for both DTLS-SRTP profiles werift
 * negotiates, across the rollover of the sequence number (ROC 0 -> 1), with header extensions and
 * CSRCs; replayed, too old and tampered packets are refused by the native receiver.
 */
import { randomBytes } from 'node:crypto';
import { RtpPacket, SrtcpSession, SrtpSession as WeriftSrtpSession } from 'werift';
import { describe, expect, it } from 'vitest';
import { SRTP_PROFILES, srtpErrorName, type SrtpKeys, type SrtpSession } from '../../../src/io/index.js';
import { batchedUdp } from './helpers.js';

const PROFILES = [
  { name: 'AES_CM_128_HMAC_SHA1_80', profile: SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80, saltBytes: 14, tag: 10 },
  { name: 'AEAD_AES_128_GCM', profile: SRTP_PROFILES.AEAD_AES_128_GCM, saltBytes: 12, tag: 16 },
] as const;

/** Both ends' keys: avcm's local keys are werift's remote ones and the reverse, as a DTLS-SRTP pair has them. */
function keyPair(profile: number, saltBytes: number): { avcm: SrtpKeys; werift: { keys: { localMasterKey: Buffer; localMasterSalt: Buffer; remoteMasterKey: Buffer; remoteMasterSalt: Buffer }; profile: 1 | 7 } } {
  const a = { key: randomBytes(16), salt: randomBytes(saltBytes) };
  const b = { key: randomBytes(16), salt: randomBytes(saltBytes) };
  return {
    avcm: { profile, localKey: a.key, localSalt: a.salt, remoteKey: b.key, remoteSalt: b.salt },
    werift: { keys: { localMasterKey: b.key, localMasterSalt: b.salt, remoteMasterKey: a.key, remoteMasterSalt: a.salt }, profile: profile as 1 | 7 },
  };
}

/** An RTP packet as avcm's engine stamps it: 12 bytes, `csrcs` CSRCs, an RFC 8285 one-byte extension block, payload. */
function rtpPacket(seq: number, ssrc: number, payloadBytes: number, csrcs = 0): Buffer {
  const extension = Buffer.from([0xbe, 0xde, 0x00, 0x02, 0x12, 0x01, 0x02, 0x03, 0x22, 0xaa, 0xbb, 0xcc]);
  const header = Buffer.alloc(12 + 4 * csrcs);
  header[0] = 0x90 | csrcs; // V=2, X=1
  header[1] = 96;
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE((seq * 3000) >>> 0, 4);
  header.writeUInt32BE(ssrc >>> 0, 8);
  for (let i = 0; i < csrcs; i++) header.writeUInt32BE(0x1000 + i, 12 + 4 * i);
  const payload = Buffer.alloc(payloadBytes);
  for (let i = 0; i < payloadBytes; i++) payload[i] = (seq + i * 13) & 0xff;
  return Buffer.concat([header, extension, payload]);
}

/** A receiver report (RFC 3550 6.4.2) with one block, then a generic NACK (RFC 4585 6.2.1): a compound avcm's probe sends. */
function rtcpCompound(senderSsrc: number, n: number): Buffer {
  const rr = Buffer.alloc(32);
  rr[0] = 0x81;
  rr[1] = 201;
  rr.writeUInt16BE(7, 2);
  rr.writeUInt32BE(senderSsrc >>> 0, 4);
  rr.writeUInt32BE(0x11223344, 8);
  rr.writeUInt32BE(n, 12);
  rr.writeUInt32BE(0x10000 + n, 16);
  const nack = Buffer.alloc(16);
  nack[0] = 0x81;
  nack[1] = 205;
  nack.writeUInt16BE(3, 2);
  nack.writeUInt32BE(senderSsrc >>> 0, 4);
  nack.writeUInt32BE(0x11223344, 8);
  nack.writeUInt16BE(n & 0xffff, 12);
  return Buffer.concat([rr, nack]);
}

/** The sequence numbers of a stream that rolls over: 65 530 .. 65 535, then 0 .. 20 (ROC 1). */
const ACROSS_ROLLOVER = [...Array.from({ length: 6 }, (_, i) => 65_530 + i), ...Array.from({ length: 21 }, (_, i) => i)];

function protect(session: SrtpSession, packet: Buffer): Buffer {
  const room = Buffer.alloc(packet.length + 32);
  packet.copy(room);
  const length = session.protect(room, packet.length);
  expect(length, srtpErrorName(length)).toBeGreaterThan(0);
  return room.subarray(0, length);
}

function unprotect(session: SrtpSession, packet: Buffer): number | Buffer {
  const copy = Buffer.from(packet);
  const length = session.unprotect(copy, copy.length);
  return length < 0 ? length : copy.subarray(0, length);
}

describe.each(PROFILES)('native SRTP against werift: $name', ({ profile, saltBytes, tag }) => {
  const udp = batchedUdp();

  it('werift decrypts the SRTP the native path protects, across the ROC rollover (RFC 3711 3.3.1)', () => {
    const keys = keyPair(profile, saltBytes);
    const session = udp.createSrtpSession(keys.avcm);
    const werift = new WeriftSrtpSession(keys.werift);
    for (const seq of ACROSS_ROLLOVER) {
      const plain = rtpPacket(seq, 0xdeadbeef, 1100, seq % 3);
      const wire = protect(session, plain);
      expect(wire.length).toBe(plain.length + tag);
      expect(wire.subarray(0, 12).equals(plain.subarray(0, 12))).toBe(true);
      expect(wire.subarray(plain.length - 1100, plain.length).equals(plain.subarray(plain.length - 1100))).toBe(false);
      expect(werift.decrypt(wire).equals(plain)).toBe(true);
    }
    expect(session.counters().rtpProtected).toBe(ACROSS_ROLLOVER.length);
  });

  it('the native path decrypts the SRTP werift protects, across the ROC rollover', () => {
    const keys = keyPair(profile, saltBytes);
    const session = udp.createSrtpSession(keys.avcm);
    const werift = new WeriftSrtpSession(keys.werift);
    for (const seq of ACROSS_ROLLOVER) {
      const plain = rtpPacket(seq, 0x01020304, 900);
      const parsed = RtpPacket.deSerialize(plain);
      const wire = werift.encrypt(parsed.payload, parsed.header);
      const decrypted = unprotect(session, wire);
      expect(Buffer.isBuffer(decrypted) ? decrypted.equals(plain) : srtpErrorName(decrypted)).toBe(true);
    }
    expect(session.counters()).toMatchObject({ rtpUnprotected: ACROSS_ROLLOVER.length, authFailures: 0, replayed: 0 });
  });

  it('a retransmission of a packet from before the rollover keeps its ROC (RFC 3711 Appendix A), both ways', () => {
    const keys = keyPair(profile, saltBytes);
    const sender = udp.createSrtpSession(keys.avcm);
    const werift = new WeriftSrtpSession(keys.werift);
    const receiverKeys: SrtpKeys = { ...keys.avcm, localKey: keys.avcm.remoteKey, localSalt: keys.avcm.remoteSalt, remoteKey: keys.avcm.localKey, remoteSalt: keys.avcm.localSalt };
    const receiver = udp.createSrtpSession(receiverKeys);
    const lost = rtpPacket(65_534, 7, 500);
    for (const seq of [65_533, 65_534, 65_535, 0, 1, 2]) {
      const wire = protect(sender, rtpPacket(seq, 7, 500));
      expect(werift.decrypt(wire).equals(rtpPacket(seq, 7, 500))).toBe(true);
      if (seq !== 65_534) expect(Buffer.isBuffer(unprotect(receiver, wire))).toBe(true);
    }
    // NACKed after the rollover and sent again: ROC 0, decrypted by werift and by the native receiver.
    const again = protect(sender, lost);
    expect(werift.decrypt(again).equals(lost)).toBe(true);
    const decrypted = unprotect(receiver, again);
    expect(Buffer.isBuffer(decrypted) && decrypted.equals(lost)).toBe(true);
  });

  it('SRTCP both ways: werift decrypts the native SRTCP and the reverse, the index counting up', () => {
    const keys = keyPair(profile, saltBytes);
    const session = udp.createSrtpSession(keys.avcm);
    const werift = new SrtcpSession(keys.werift);
    for (let n = 0; n < 20; n++) {
      const plain = rtcpCompound(0xcafe0001, n);
      const wire = protect(session, plain);
      expect(wire.length).toBe(plain.length + tag + 4);
      expect(werift.decrypt(wire).equals(plain)).toBe(true);
      const fromWerift = werift.encrypt(rtcpCompound(0xcafe0002, n));
      const decrypted = unprotect(session, fromWerift);
      expect(Buffer.isBuffer(decrypted) && decrypted.equals(rtcpCompound(0xcafe0002, n))).toBe(true);
    }
    expect(session.counters()).toMatchObject({ rtcpProtected: 20, rtcpUnprotected: 20 });
  });

  it('refuses a replayed SRTP packet, one older than the 1024-packet window, and a tampered one (RFC 3711 3.3.2)', () => {
    const keys = keyPair(profile, saltBytes);
    const receiver = udp.createSrtpSession(keys.avcm);
    const werift = new WeriftSrtpSession(keys.werift);
    const sent = new Map<number, Buffer>();
    for (let seq = 100; seq < 1300; seq++) {
      const parsed = RtpPacket.deSerialize(rtpPacket(seq, 42, 200));
      sent.set(seq, werift.encrypt(parsed.payload, parsed.header));
    }
    // Out of order within the window is fine; the same index twice is not.
    for (const seq of [100, 102, 101]) expect(Buffer.isBuffer(unprotect(receiver, sent.get(seq)!))).toBe(true);
    expect(unprotect(receiver, sent.get(101)!)).toBe(-3);
    expect(srtpErrorName(-3)).toBe('replay');
    for (let seq = 103; seq < 1299; seq++) expect(Buffer.isBuffer(unprotect(receiver, sent.get(seq)!))).toBe(true);
    // 1298 is the newest: 200 lies 1098 behind it, outside the window; 400 lies inside and was received.
    expect(unprotect(receiver, sent.get(200)!)).toBe(-4);
    expect(unprotect(receiver, sent.get(400)!)).toBe(-3);
    // One bit flipped in a packet not received yet: its tag no longer matches; the original still passes.
    const tampered = Buffer.from(sent.get(1299)!);
    tampered[tampered.length - 20] ^= 1;
    expect(unprotect(receiver, tampered)).toBe(-2);
    expect(Buffer.isBuffer(unprotect(receiver, sent.get(1299)!))).toBe(true);
    expect(receiver.counters()).toMatchObject({ rtpUnprotected: 1200, replayed: 2, tooOld: 1, authFailures: 1 });
  });

  it('refuses a replayed SRTCP packet, and one whose tag does not match', () => {
    const keys = keyPair(profile, saltBytes);
    const receiver = udp.createSrtpSession(keys.avcm);
    const werift = new SrtcpSession(keys.werift);
    const first = werift.encrypt(rtcpCompound(9, 1));
    const second = werift.encrypt(rtcpCompound(9, 2));
    expect(Buffer.isBuffer(unprotect(receiver, first))).toBe(true);
    expect(unprotect(receiver, first)).toBe(-3);
    const tampered = Buffer.from(second);
    tampered[10] ^= 0x40;
    expect(unprotect(receiver, tampered)).toBe(-2);
    expect(Buffer.isBuffer(unprotect(receiver, second))).toBe(true);
    expect(unprotect(receiver, second)).toBe(-3);
    expect(receiver.counters()).toMatchObject({ rtcpUnprotected: 2, replayed: 2, authFailures: 1 });
  });

  it('keys of another association do not authenticate, and a new SSRC gets state only once it authenticated', () => {
    const keys = keyPair(profile, saltBytes);
    const other = keyPair(profile, saltBytes);
    const receiver = udp.createSrtpSession(keys.avcm);
    const stranger = new WeriftSrtpSession(other.werift);
    const parsed = RtpPacket.deSerialize(rtpPacket(5, 77, 300));
    expect(unprotect(receiver, stranger.encrypt(parsed.payload, parsed.header))).toBe(-2);
    expect(receiver.counters()).toMatchObject({ authFailures: 1, streams: 0 });
  });
});

describe('native SRTP sessions', () => {
  const udp = batchedUdp();

  it('is available in this Node (OpenSSL from the node binary)', () => {
    expect(udp.srtpUnavailable).toBeNull();
  });

  it('protect needs room for the trailer and refuses what is not RTP or RTCP', () => {
    const keys = keyPair(SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80, 14);
    const session = udp.createSrtpSession(keys.avcm);
    const packet = rtpPacket(1, 1, 100);
    expect(session.protect(Buffer.from(packet), packet.length)).toBe(-5);
    expect(session.protect(Buffer.alloc(40, 0x16), 20)).toBe(-1);
    expect(session.unprotect(Buffer.alloc(12, 0x80), 12)).toBe(-1);
  });

  it('refuses profiles it does not implement', () => {
    const keys = keyPair(SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80, 14);
    expect(() => udp.createSrtpSession({ ...keys.avcm, profile: 2 })).toThrow(/profile 2 is not implemented/);
  });
});
