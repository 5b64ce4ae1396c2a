import { describe, expect, it } from 'vitest';
import { AUDIO_PT, VIDEO_PT, expectedSeqs, roundTrip } from './webrtc-round-trip.js';

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
