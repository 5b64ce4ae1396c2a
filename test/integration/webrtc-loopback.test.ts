import { describe, expect, it } from 'vitest';
import { ProbeReceiver } from '../../src/probe/index.js';
import { WebRtcParticipantTransport, WebRtcProbeSession } from '../../src/webrtc/index.js';
import { AUDIO_PT, EXT, VIDEO_PT, expectedSeqs, payloadFor, roundTrip, rtpHeader } from './webrtc-round-trip.js';

describe('WebRTC participants -> WebRTC probe on loopback (werift, DTLS-SRTP)', () => {
  it('3 participants x 200 packets: zero loss, SSRC/seq/timestamp/participant id/payload intact', async () => {
    const r = await roundTrip(3, 200, { iceServers: [], iceTransportPolicy: 'all' });
    expect(r.sendErrors).toBe(0);
    expect(r.candidateTypes).toEqual(['host', 'host', 'host']);
    expect(r.streams.size).toBe(6);
    for (let i = 0; i < 3; i++) {
      const id = 1001 + i;
      for (const [ssrc, pt] of [[0x10000000 + i * 2, VIDEO_PT], [0x10000001 + i * 2, AUDIO_PT]] as const) {
        const s = r.streams.get(ssrc);
        expect(s, `stream ${ssrc.toString(16)}`).toBeDefined();
        expect(s!.payloadType).toBe(pt);
        expect(s!.sessionParticipantId).toBe(id);
        expect([...s!.participantIds]).toEqual([id]);
        expect(s!.absSendTimeSeen).toBe(100);
        // every packet, in order, no duplicates; the start is near 65535 so the wrap is crossed
        expect(s!.seqs).toEqual(expectedSeqs(65_500 + i, 100));
        expect(s!.badTimestamps).toBe(0);
        expect(s!.badPayloads).toBe(0);
      }
    }
  }, 60_000);
});

describe.each([
  { participants: 'native', probe: 'native' },
  { participants: 'native', probe: 'werift' },
  { participants: 'werift', probe: 'native' },
] as const)('WebRTC on the batched native path (participants $participants, probe $probe): DTLS-SRTP keys from werift, SRTP in the addon', (paths) => {
  it('3 participants x 200 packets across the sequence wrap: zero loss, every byte intact, media where asked', async () => {
    const r = await roundTrip(3, 200, { iceServers: [], iceTransportPolicy: 'all' }, undefined, paths);
    expect(r.sendErrors).toBe(0);
    expect(r.participantPaths).toEqual(paths.participants === 'native' ? ['native', 'native', 'native'] : ['werift', 'werift', 'werift']);
    expect(r.probePaths).toMatchObject(paths.probe === 'native' ? { native: 3, werift: 0, broken: 0 } : { native: 0, werift: 3, broken: 0 });
    expect(r.nativeRtpProtected).toBe(paths.participants === 'native' ? 600 : 0);
    expect(r.streams.size).toBe(6);
    for (let i = 0; i < 3; i++) {
      for (const ssrc of [0x10000000 + i * 2, 0x10000001 + i * 2]) {
        const s = r.streams.get(ssrc)!;
        expect(s, `stream ${ssrc.toString(16)}`).toBeDefined();
        expect([...s.participantIds]).toEqual([1001 + i]);
        expect(s.seqs).toEqual(expectedSeqs(65_500 + i, 100));
        expect(s.badTimestamps).toBe(0);
        expect(s.badPayloads).toBe(0);
      }
    }
  }, 90_000);
});

describe('WebRTC probe: extension ids and the probe ingest path', () => {
  it('a peer that numbered payload type and extensions differently (as SFUs do): the probe hands over bytes with the plan numbers', async () => {
    const planExt = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2 };
    const peerExt = { layout: 'rfc8285' as const, participantIdId: 5, absSendTimeId: 7 };
    const got: Buffer[] = [];
    const probe = new WebRtcProbeSession({ videoPayloadType: VIDEO_PT, audioPayloadType: null, extensions: planExt, iceServers: [], loopbackOnly: true, onRtp: (buf) => got.push(Buffer.from(buf)) });
    const t = await WebRtcParticipantTransport.create({ participantId: 77, video: { ssrc: 1234, payloadType: 100 }, audio: null, extensions: peerExt, iceServers: [], loopbackOnly: true });
    try {
      await t.acceptAnswer(await probe.answer(77, await t.createOffer()));
      await t.connected(10_000);
      await probe.connected(77, 10_000);
      for (let seq = 0; seq < 20; seq++) {
        const h = Buffer.alloc(24);
        h[0] = 0x90;
        h[1] = 100;
        h.writeUInt16BE(seq, 2);
        h.writeUInt32BE(1234, 8);
        h.writeUInt16BE(0xbede, 12);
        h.writeUInt16BE(2, 14);
        h[16] = (5 << 4) | 3;
        h.writeUInt32BE(77, 17);
        h[21] = 0; // padding
        h[22] = 0;
        h[23] = 0;
        t.send(h, h.length, Buffer.from([seq]));
      }
      const deadline = Date.now() + 5_000;
      while (got.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(got).toHaveLength(20);
      expect(got.map((buf) => buf.readUInt16BE(2))).toEqual(Array.from({ length: 20 }, (_, i) => i));
      for (const buf of got) {
        expect(buf[1] & 0x7f).toBe(VIDEO_PT);
        expect(buf.readUInt32BE(8)).toBe(1234);
        expect(buf.readUInt16BE(12)).toBe(0xbede);
        // first element: id 1 (the plan's participant-id id), 4 bytes, value 77
        expect(buf[16] >> 4).toBe(1);
        expect(buf[16] & 0x0f).toBe(3);
        expect(buf.readUInt32BE(17)).toBe(77);
      }
    } finally {
      await t.close();
      await probe.close();
    }
  }, 30_000);

  it('wired into ProbeReceiver.ingest: the probe measures the WebRTC streams like UDP ones', async () => {
    const receiver = ProbeReceiver.detached({ videoPayloadType: VIDEO_PT, audioPayloadType: AUDIO_PT, extensions: EXT });
    receiver.start(Date.now());
    const probe = new WebRtcProbeSession({ videoPayloadType: VIDEO_PT, audioPayloadType: AUDIO_PT, extensions: EXT, iceServers: [], loopbackOnly: true, onRtp: (buf, arrivalEpochMs) => receiver.ingest(buf, buf.length, arrivalEpochMs) });
    const t = await WebRtcParticipantTransport.create({ participantId: 9, video: { ssrc: 99, payloadType: VIDEO_PT }, audio: { ssrc: 98, payloadType: AUDIO_PT }, extensions: EXT, iceServers: [], loopbackOnly: true });
    try {
      await t.acceptAnswer(await probe.answer(9, await t.createOffer()));
      await t.connected(10_000);
      for (let n = 0; n < 50; n++) {
        { const h = rtpHeader(VIDEO_PT, 1000 + n, n * 3000, 99, 9, 0); t.send(h, h.length, payloadFor(99, n, 100)); }
        if (n % 2 === 0) { const h = rtpHeader(AUDIO_PT, 5000 + n / 2, n * 480, 98, 9, 0); t.send(h, h.length, payloadFor(98, n, 80)); }
        await new Promise((r) => setTimeout(r, 2));
      }
      const deadline = Date.now() + 5_000;
      while (receiver.packetsReceived < 75 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const report = receiver.report();
      expect(report.streams.map((s) => s.participantId).sort()).toEqual([9, 9]);
      expect(report.streams.reduce((sum, s) => sum + s.totals.received, 0)).toBe(75);
      expect(report.streams.reduce((sum, s) => sum + s.totals.lost, 0)).toBe(0);
    } finally {
      await t.close();
      await probe.close();
    }
  }, 30_000);
});
