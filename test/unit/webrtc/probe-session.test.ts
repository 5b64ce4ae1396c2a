import { describe, expect, it } from 'vitest';
import { WebRtcProbeSession } from '../../../src/webrtc/index.js';

const EXT = { layout: 'rfc8285' as const, participantIdId: 4, absSendTimeId: 6 };

function session(): WebRtcProbeSession {
  return new WebRtcProbeSession({ videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, iceServers: [], loopbackOnly: true, onRtp: () => undefined });
}

describe('WebRtcProbeSession', () => {
  it('offer() (subscribing through an SFU) is receive-only with the plan codecs and extension ids', async () => {
    const s = session();
    try {
      const sdp = await s.offer(42);
      expect(sdp).toMatch(/^m=video \d+ UDP\/TLS\/RTP\/SAVPF 96\r?$/m);
      expect(sdp).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111\r?$/m);
      expect(sdp.match(/^a=recvonly\r?$/gm)).toHaveLength(2);
      expect(sdp.match(/^a=extmap:4 urn:avcm:participant-id\r?$/gm)).toHaveLength(2);
      expect(sdp.match(/^a=extmap:6 http:\/\/www\.webrtc\.org\/experiments\/rtp-hdrext\/abs-send-time\r?$/gm)).toHaveLength(2);
      expect(s.connectedCount()).toBe(0);
    } finally {
      await s.close();
    }
  }, 20_000);

  it('misuse is a typed error: connected()/acceptAnswer() before a session, answer() after close', async () => {
    const s = session();
    await expect(s.connected(1, 100)).rejects.toMatchObject({ code: 'E_INTERNAL' });
    await expect(s.acceptAnswer(1, 'v=0')).rejects.toMatchObject({ code: 'E_INTERNAL' });
    await s.close();
    await s.close();
    await expect(s.answer(1, 'v=0')).rejects.toMatchObject({ code: 'E_RUN', message: expect.stringMatching(/participant 1/) });
  });
});
