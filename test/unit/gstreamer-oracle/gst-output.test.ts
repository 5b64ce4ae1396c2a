import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePropertyNotice, parseSessionStats, rememberSources, type RtpSourceStats } from '../../helpers/gstreamer/gst-output.js';

/** Reading gst-launch-1.0 -v output, on lines a GStreamer 1.22 receiver and sender really printed. */
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/gstreamer/${name}`, import.meta.url), 'utf8').trim();

describe('gst-launch -v property notifications', () => {
  it('names the element, the property and the value; pad notifications are not element notices', () => {
    expect(parsePropertyNotice('/GstPipeline:pipeline0/GstUDPSrc:rtpin: port = 35882')).toEqual({ element: 'rtpin', property: 'port', value: '35882' });
    expect(parsePropertyNotice('/GstPipeline:pipeline0/GstUDPSrc:rtpin.GstPad:src: caps = application/x-rtp')).toBeNull();
    expect(parsePropertyNotice('Setting pipeline to PLAYING ...')).toBeNull();
    const sink = parsePropertyNotice('/GstPipeline:pipeline0/GstFakeSink:videosink: last-message = chain   ******* (videosink:sink) (115200 bytes, dts: none, pts: 0:00:00.156982403, duration: 0:00:00.033333333)');
    expect(sink?.element).toBe('videosink');
    expect(sink?.value.startsWith('chain')).toBe(true);
  });
});

describe('rtpsession stats', () => {
  it('reads a receiver session: the session counters and each source (escaped structures inside the array)', () => {
    const notice = parsePropertyNotice(fixture('receiver-session-stats.txt'))!;
    expect(notice).toMatchObject({ element: 'session', property: 'stats' });
    const stats = parseSessionStats(notice.value);
    expect(stats).toMatchObject({ sentNackCount: 10, recvNackCount: 0, recvRtxRequests: 10, sentRtxRequests: 0 });
    expect(stats.sources.map((s) => [s.ssrc, s.internal, s.isSender])).toEqual([
      [2764243433, false, true],
      [2248089715, false, true],
      [1324915307, true, false],
    ]);
    const video = stats.sources[1];
    expect(video).toMatchObject({ clockRate: 90000, packetsReceived: 58, packetsLost: 9, jitter: 14, sentNackCount: 10, haveSr: true, rtpFrom: '127.0.0.1:56470' });
  });

  it('reads a sender session: the report block its peer sent, with rb-ssrc and the LSR/DLSR round trip', () => {
    const stats = parseSessionStats(parsePropertyNotice(fixture('sender-session-stats.txt'))!.value);
    expect(stats.sentRtxRequests).toBe(22);
    const video = stats.sources.find((s) => s.ssrc === 2248089715)!;
    expect(video).toMatchObject({ internal: true, isSender: true, packetsSent: 183, recvPliCount: 1 });
    const peer = stats.sources.find((s) => !s.internal)!;
    expect(peer).toMatchObject({ ssrc: 1324915307, haveRb: true, rbSsrc: 2248089715, rbRoundTrip: 187 });
  });

  it('keeps a source\'s figures from while it sent: a sender timeout resets rtpsession\'s counters', () => {
    const kept = new Map<number, RtpSourceStats>();
    const video = parseSessionStats(parsePropertyNotice(fixture('receiver-session-stats.txt'))!.value);
    rememberSources(kept, video);
    const timedOut = { ...video, sources: video.sources.map((s) => ({ ...s, isSender: false, packetsReceived: 0, packetsLost: 0 })) };
    rememberSources(kept, timedOut);
    expect(kept.get(2248089715)?.packetsReceived).toBe(58);
    expect(kept.get(1324915307)?.isSender).toBe(false); // never a sender: the newer figures win
  });
});
