import { afterEach, describe, expect, it } from 'vitest';
import { WebRtcParticipantTransport } from '../../../src/webrtc/index.js';

const EXT = { layout: 'rfc8285' as const, participantIdId: 3, absSendTimeId: 5 };
let open: WebRtcParticipantTransport[] = [];

afterEach(async () => {
  await Promise.all(open.map((t) => t.close()));
  open = [];
});

async function participant(video: boolean, audio: boolean, feedback?: { nack: boolean; pli: boolean; rtxPayloadType: number | null }): Promise<WebRtcParticipantTransport> {
  const t = await WebRtcParticipantTransport.create({
    participantId: 7,
    video: video ? { ssrc: 0xdeadbeef, payloadType: 96, rtxSsrc: 0x0badcafe } : null,
    audio: audio ? { ssrc: 0x01020304, payloadType: 111 } : null,
    extensions: EXT,
    feedback,
    iceServers: [],
    loopbackOnly: true,
  });
  open.push(t);
  return t;
}

/** The lines of one m= section (RFC 8866 5.14), by media kind. */
function section(sdp: string, kind: 'video' | 'audio'): string[] {
  const lines = sdp.split(/\r?\n/);
  const start = lines.findIndex((l) => l.startsWith(`m=${kind} `));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.startsWith('m='));
  return lines.slice(start, end < 0 ? undefined : end);
}

describe('participant offer SDP', () => {
  it('H.264 pm=1 42e01f on PT 96 and Opus/48000/2 on PT 111, send-only, with the plan SSRCs', async () => {
    const sdp = await (await participant(true, true)).createOffer();
    const video = section(sdp, 'video');
    const audio = section(sdp, 'audio');
    expect(video[0]).toMatch(/^m=video \d+ UDP\/TLS\/RTP\/SAVPF 96$/);
    expect(video).toContain('a=rtpmap:96 H264/90000');
    const fmtp = video.find((l) => l.startsWith('a=fmtp:96 '));
    expect(fmtp).toMatch(/packetization-mode=1/);
    expect(fmtp).toMatch(/profile-level-id=42e01f/);
    expect(video).toContain('a=sendonly');
    expect(video.some((l) => l.startsWith(`a=ssrc:${0xdeadbeef} `))).toBe(true);
    expect(audio[0]).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111$/);
    expect(audio).toContain('a=rtpmap:111 opus/48000/2');
    expect(audio).toContain('a=sendonly');
    expect(audio.some((l) => l.startsWith(`a=ssrc:${0x01020304} `))).toBe(true);
    // Without a feedback profile (participants.rtcp: false) the offer asks for no feedback and no RTX.
    expect(sdp).not.toMatch(/a=rtcp-fb:\d+ nack/);
    expect(sdp).not.toMatch(/rtx\/90000/);
  }, 20_000);

  it('with the feedback loop: nack, nack pli and ccm fir on video (RFC 4585, 5104), RTX with apt and the plan RTX SSRC in an FID group (RFC 4588); none on audio', async () => {
    const sdp = await (await participant(true, true, { nack: true, pli: true, rtxPayloadType: 97 })).createOffer();
    const video = section(sdp, 'video');
    expect(video[0]).toMatch(/^m=video \d+ UDP\/TLS\/RTP\/SAVPF 96 97$/);
    expect(video).toContain('a=rtcp-fb:96 nack');
    expect(video).toContain('a=rtcp-fb:96 nack pli');
    expect(video).toContain('a=rtcp-fb:96 ccm fir');
    expect(video).toContain('a=rtpmap:97 rtx/90000');
    expect(video).toContain('a=fmtp:97 apt=96');
    expect(video).toContain(`a=ssrc-group:FID ${0xdeadbeef} ${0x0badcafe}`);
    expect(section(sdp, 'audio').some((l) => l.startsWith('a=rtcp-fb:'))).toBe(false);
  }, 20_000);

  it('extmap lines carry the plan ids: participant id and abs-send-time (RFC 8285 5)', async () => {
    const sdp = await (await participant(true, true)).createOffer();
    for (const kind of ['video', 'audio'] as const) {
      expect(section(sdp, kind)).toContain('a=extmap:3 urn:avcm:participant-id');
      expect(section(sdp, kind)).toContain('a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time');
    }
  }, 20_000);

  it('loopback-only offers carry a 127.0.0.1 host candidate', async () => {
    const sdp = await (await participant(true, false)).createOffer();
    expect(sdp).toMatch(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/);
  }, 20_000);

  it('a participant without audio offers video only', async () => {
    const sdp = await (await participant(true, false)).createOffer();
    expect(section(sdp, 'video').length).toBeGreaterThan(0);
    expect(section(sdp, 'audio')).toEqual([]);
  }, 20_000);

  it('send before connected is counted, never thrown; close is idempotent', async () => {
    const t = await participant(true, true);
    const header = Buffer.from([0x80, 96, 0, 1, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef]);
    expect(() => t.send(header, header.length, Buffer.alloc(10))).not.toThrow();
    expect(t.errors).toBe(1);
    expect(t.queueBusy).toBe(0);
    await t.close();
    await t.close();
    t.send(header, header.length, Buffer.alloc(10));
    expect(t.errors).toBe(2);
  }, 20_000);

  it('connected() times out with E_NETWORK naming the participant', async () => {
    const t = await participant(true, false);
    await t.createOffer();
    await expect(t.connected(200)).rejects.toMatchObject({ code: 'E_NETWORK', message: expect.stringMatching(/participant 7/) });
  }, 20_000);
});

describe('participant offer SDP: simulcast (RFC 8853)', () => {
  const SIMULCAST_EXT = { ...EXT, ridId: 10, repairedRidId: 11, midId: 4 };

  it('the video section offers a=rid:RID send per layer and a=simulcast:send in order, with the RID, repaired RID and MID extensions under the plan ids; audio stays as it was', async () => {
    const t = await WebRtcParticipantTransport.create({
      participantId: 7,
      video: { ssrc: 0xdeadbeef, payloadType: 96, rtxSsrc: 0x0badcafe, simulcast: ['h', 'm', 'l'] },
      audio: { ssrc: 0x01020304, payloadType: 111 },
      extensions: SIMULCAST_EXT,
      feedback: { nack: true, pli: true, rtxPayloadType: 97 },
      iceServers: [],
      loopbackOnly: true,
    });
    open.push(t);
    expect(t.videoMid).toBeNull(); // no offer yet
    const sdp = await t.createOffer();
    const video = section(sdp, 'video');
    expect(video.filter((l) => l.startsWith('a=rid:'))).toEqual(['a=rid:h send', 'a=rid:m send', 'a=rid:l send']);
    expect(video.filter((l) => l.startsWith('a=simulcast:')).map((l) => l.trim())).toEqual(['a=simulcast:send h;m;l']);
    expect(video).toContain('a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id');
    expect(video).toContain('a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id');
    expect(video).toContain('a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid');
    expect(video).toContain('a=extmap:3 urn:avcm:participant-id');
    // The MID the layers stamp is the video section's a=mid.
    const mid = video.find((l) => l.startsWith('a=mid:'))!.slice('a=mid:'.length);
    expect(t.videoMid).toBe(mid);
    const audio = section(sdp, 'audio');
    expect(audio.some((l) => /^a=(rid|simulcast):/.test(l))).toBe(false);
    expect(audio.some((l) => l.includes('rtp-stream-id') || l.includes('sdes:mid'))).toBe(false);
  }, 20_000);

  it('without simulcast no RID or MID is offered, even when the plan has their ids', async () => {
    const t = await WebRtcParticipantTransport.create({ participantId: 8, video: { ssrc: 5, payloadType: 96 }, audio: null, extensions: SIMULCAST_EXT, iceServers: [], loopbackOnly: true });
    open.push(t);
    const sdp = await t.createOffer();
    expect(sdp).not.toMatch(/a=rid:|a=simulcast:|rtp-stream-id|sdes:mid/);
  }, 20_000);
});
