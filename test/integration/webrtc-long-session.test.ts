// A long WebRTC session on the native media path: werift keeps ICE consent (RFC 7675) alive over
// avcm's native sockets for minutes, the sessions stay connected, and the media never leaves the
// native path, as measured by the sockets' demux, the session watchers and the built-in probe.
import { afterEach, describe, expect, it } from 'vitest';
import { BatchedEngineIo } from '../../src/engine/index.js';
import { loadBatchedUdp } from '../../src/io/index.js';
import { ProbeReceiver } from '../../src/probe/receiver.js';
import { NativeIceSockets, sessionLostReason, WebRtcParticipantTransport, WebRtcProbeSession, type NativeIceSocketCounters, type ProbeIngest } from '../../src/webrtc/index.js';
import { AUDIO_PT, EXT, payloadFor, rtpHeader, VIDEO_PT } from './webrtc-round-trip.js';

const PARTICIPANTS = 4;
/** About three minutes of media: six times RFC 7675's 30 s consent expiry, three sampled minutes. */
const MINUTES = 3;
const MINUTE_MS = 60_000;
const SESSION_MS = MINUTES * MINUTE_MS;
/** One audio packet and one single-packet video frame per participant per tick (50 of each per second). */
const TICK_MS = 20;
/** RFC 7675 5.1: consent expires 30 s after the last response (werift fails the session then). */
const CONSENT_EXPIRY_MS = 30_000;
const CONNECT_MS = 30_000;
const PROBE_RTCP_SSRC = 0x5eed0001;

/** What one side's native sockets of one session saw (summed): counters at each minute's end and the longest silence of each consent direction. */
interface ConsentTrack {
  label: string;
  read: () => NativeIceSocketCounters | null;
  /** Counters at the session's start, then at the end of each minute. */
  marks: NativeIceSocketCounters[];
  last: NativeIceSocketCounters;
  lastRequestAt: number;
  lastResponseAt: number;
  /** Longest span without a consent request received / a response to ours received, ms. */
  longestRequestGapMs: number;
  longestResponseGapMs: number;
}

type CounterName = keyof NativeIceSocketCounters;
const delta = (a: NativeIceSocketCounters, b: NativeIceSocketCounters, name: CounterName): number => b[name] - a[name];

describe('WebRTC native path: a session of several minutes', () => {
  const load = loadBatchedUdp();
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  it(
    `${PARTICIPANTS} participants for ${MINUTES} minutes: consent checks flow both ways all along, sessions stay connected, media stays native and is measured in the last minute`,
    async () => {
      if (!load.available) throw new Error(`batched UDP I/O unavailable: ${load.reason}`);
      const udp = load.udp;
      expect(udp.srtpUnavailable).toBeNull();
      const engineIo = new BatchedEngineIo(udp, { target: null, maxPacketBytes: 1500 });
      const native = new NativeIceSockets(engineIo);
      const receiver = ProbeReceiver.detached({ videoPayloadType: VIDEO_PT, audioPayloadType: AUDIO_PT, extensions: EXT, expectedDurationMs: SESSION_MS, rtcp: { ssrc: PROBE_RTCP_SSRC, reportIntervalMs: 1000 } });
      cleanup.push(() => receiver.close());
      // Every packet the probe measures passes here: counted, to compare with what the native sockets unprotected.
      let ingested = 0;
      const sink: ProbeIngest = {
        arrivalEpochMs: 0,
        ingestArrived(buf, length, participantId, returnPath) {
          ingested++;
          receiver.arrivalEpochMs = this.arrivalEpochMs;
          receiver.ingestArrived(buf, length, participantId, returnPath);
        },
      };
      const probe = new WebRtcProbeSession({ videoPayloadType: VIDEO_PT, audioPayloadType: AUDIO_PT, extensions: EXT, iceServers: [], loopbackOnly: true, udp, sink });
      cleanup.push(() => probe.close());

      const ids = Array.from({ length: PARTICIPANTS }, (_, i) => 2001 + i);
      const participants: WebRtcParticipantTransport[] = [];
      for (const [i, id] of ids.entries()) {
        const t = await WebRtcParticipantTransport.create({ participantId: id, video: { ssrc: 0x20000000 + i * 2, payloadType: VIDEO_PT }, audio: { ssrc: 0x20000001 + i * 2, payloadType: AUDIO_PT }, extensions: EXT, iceServers: [], loopbackOnly: true, native });
        cleanup.push(() => t.close());
        participants.push(t);
      }
      await Promise.all(
        participants.map(async (t, i) => {
          await t.acceptAnswer(await probe.answer(ids[i], await t.createOffer()));
          await t.connected(CONNECT_MS);
          await probe.connected(ids[i], CONNECT_MS);
        }),
      );
      expect(participants.map((t) => t.mediaPath)).toEqual(ids.map(() => 'native'));

      const startedAt = Date.now();
      receiver.start(startedAt);
      const tracks: ConsentTrack[] = [];
      for (const [i, t] of participants.entries()) {
        tracks.push(track(`participant ${ids[i]}`, () => t.nativeSocketCounters(), startedAt));
        tracks.push(track(`probe for ${ids[i]}`, () => probe.nativeSocketCounters(ids[i]), startedAt));
      }
      /** Anything a watcher would have acted on, with when (s into the session). */
      const problems: string[] = [];
      const headers = participants.map(() => Buffer.alloc(28));
      let tick = 0;
      let minute = 0;
      let lastSampleAt = startedAt;
      // Bounded in time and in ticks (a stalled clock cannot keep it going).
      const maxTicks = Math.ceil(SESSION_MS / TICK_MS) + 1;
      while (tick < maxTicks) {
        const now = Date.now();
        if (now - startedAt >= SESSION_MS) break;
        participants.forEach((t, i) => {
          const video = 0x20000000 + i * 2;
          const audio = video + 1;
          const h = headers[i];
          rtpHeader(VIDEO_PT, tick, tick * 1800, video, ids[i], tick * 1000).copy(h);
          h[1] |= 0x80; // marker: a one-packet frame
          t.send(h, h.length, payloadFor(video, tick & 0xffff, 300));
          rtpHeader(AUDIO_PT, tick, tick * 960, audio, ids[i], tick * 1000).copy(h);
          t.send(h, h.length, payloadFor(audio, tick & 0xffff, 80));
        });
        engineIo.flush();
        tick++;
        if (now - lastSampleAt >= 1000) {
          lastSampleAt = now;
          const at = `${((now - startedAt) / 1000).toFixed(0)} s`;
          participants.forEach((t, i) => {
            const lost = sessionLostReason(t.sample(), now);
            if (lost) problems.push(`${at}: participant ${ids[i]}: ${lost}`);
            if (t.mediaPath !== 'native' || t.nativeSocketCounters() === null) problems.push(`${at}: participant ${ids[i]}: media not on the native path`);
            const probeSample = probe.sample(ids[i]);
            const probeLost = probeSample ? sessionLostReason(probeSample, now) : 'no probe session';
            if (probeLost) problems.push(`${at}: probe for ${ids[i]}: ${probeLost}`);
          });
          const paths = probe.mediaPaths();
          if (paths.native !== PARTICIPANTS || paths.reasons.length > 0) problems.push(`${at}: probe paths ${JSON.stringify(paths)}`);
          for (const k of tracks) sample(k, now, problems, at);
          if (now - startedAt >= (minute + 1) * MINUTE_MS) {
            minute++;
            for (const k of tracks) k.marks.push({ ...k.last });
          }
        }
        await new Promise((resolve) => setTimeout(resolve, TICK_MS));
        // Then past the event loop's I/O phase: after a stall of the whole process, what arrived
        // meanwhile (RTCP, consent responses) is read before the next sample judges silences.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const endedAt = Date.now();
      // The last minute's mark when the loop ended just before its sample.
      for (const k of tracks) {
        sample(k, endedAt, problems, 'end');
        while (k.marks.length < MINUTES + 1) k.marks.push({ ...k.last });
      }
      // Let the last packets arrive before the probe's report.
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const k of tracks) sample(k, Date.now(), problems, 'end');

      // Figures: consent checks per minute as the native sockets' demux counted them, per session and side.
      const rows = tracks.map((k) => {
        const perMinute = (name: CounterName): number[] => k.marks.slice(1).map((m, i) => delta(k.marks[i], m, name));
        return {
          session: k.label,
          requestsSent: perMinute('stunRequestsSent').join('/'),
          responsesReceived: perMinute('stunResponsesReceived').join('/'),
          requestsReceived: perMinute('stunRequestsReceived').join('/'),
          responsesSent: perMinute('stunResponsesSent').join('/'),
          mediaReceived: perMinute('mediaReceived').join('/'),
          longestResponseGapS: (k.longestResponseGapMs / 1000).toFixed(1),
          longestRequestGapS: (k.longestRequestGapMs / 1000).toFixed(1),
        };
      });
      console.log(`consent checks per minute (minutes 1/2/3), ${tick} ticks in ${((endedAt - startedAt) / 1000).toFixed(1)} s:`);
      console.table(rows);

      expect(problems, problems.slice(0, 20).join('\n')).toEqual([]);
      for (const k of tracks) {
        for (let m = 1; m <= MINUTES; m++) {
          const [a, b] = [k.marks[m - 1], k.marks[m]];
          // werift checks every 4-6 s: about 12 a minute each way; a few is what "flowing" needs, 30 s without a response ends the session.
          for (const name of ['stunRequestsSent', 'stunResponsesReceived', 'stunRequestsReceived', 'stunResponsesSent'] as const) {
            expect(delta(a, b, name), `${k.label}: ${name} in minute ${m}`).toBeGreaterThanOrEqual(3);
          }
        }
        expect(k.longestResponseGapMs, `${k.label}: longest span without a consent response`).toBeLessThan(CONSENT_EXPIRY_MS);
        expect(k.longestRequestGapMs, `${k.label}: longest span without the far end's consent request`).toBeLessThan(CONSENT_EXPIRY_MS);
        // Media both ways on the native sockets in the last minute: the probe's receiver reports back to each participant, SRTCP.
        expect(delta(k.marks[MINUTES - 1], k.marks[MINUTES], 'mediaReceived'), `${k.label}: media in the last minute`).toBeGreaterThan(0);
        // werift never tried to send media itself (its own SRTP state) after the handover.
        expect(k.last.stackMediaDropped, k.label).toBe(0);
        expect(k.last.rejected, k.label).toBe(0);
      }

      // Still connected and native at the end, on both sides; nothing sent while not connected.
      expect(probe.mediaPaths()).toEqual({ native: PARTICIPANTS, werift: 0, broken: 0, reasons: [] });
      expect(participants.map((t) => t.mediaPath)).toEqual(ids.map(() => 'native'));
      expect(participants.map((t) => t.errors)).toEqual(ids.map(() => 0));
      // Every packet the probe measured was unprotected by the native sockets (werift's media path delivered none).
      const probeTracks = tracks.filter((k) => k.label.startsWith('probe'));
      const nativeMedia = probeTracks.reduce((sum, k) => sum + k.last.mediaReceived, 0);
      expect(ingested).toBeGreaterThan(0);
      expect(ingested).toBe(nativeMedia);

      // The probe measured every stream in the last minute, without loss over the session.
      const report = receiver.report(Math.floor((endedAt - startedAt) / 1000));
      const lastMinute = { from: report.windowCount - 60, to: report.windowCount };
      expect(report.streams).toHaveLength(PARTICIPANTS * 2);
      const late = report.streams.map((s) => {
        const windows = s.windows.filter((w) => w.index >= lastMinute.from && w.index < lastMinute.to);
        return { participant: s.participantId, media: s.media, packets: windows.reduce((n, w) => n + w.received, 0), frames: windows.reduce((n, w) => n + w.frames, 0), windowsWithMedia: windows.filter((w) => w.received > 0).length, lost: s.totals.lost, received: s.totals.received };
      });
      console.log(`the probe's last minute (windows ${lastMinute.from}..${lastMinute.to - 1}):`);
      console.table(late);
      for (const s of late) {
        expect(s.packets, `${s.participant} ${s.media}`).toBeGreaterThan(0);
        expect(s.frames, `${s.participant} ${s.media}`).toBeGreaterThan(0);
        expect(s.windowsWithMedia, `${s.participant} ${s.media}: windows of the last minute with media`).toBeGreaterThanOrEqual(30);
        expect(s.lost / (s.received + s.lost), `${s.participant} ${s.media}: lost`).toBeLessThan(0.01);
      }
      expect(engineIo.sendDropped).toBe(0);
    },
    SESSION_MS + 150_000,
  );
});

function track(label: string, read: () => NativeIceSocketCounters | null, startedAt: number): ConsentTrack {
  const first = read();
  if (first === null) throw new Error(`${label}: the media is not on native sockets`);
  return { label, read, marks: [{ ...first }], last: { ...first }, lastRequestAt: startedAt, lastResponseAt: startedAt, longestRequestGapMs: 0, longestResponseGapMs: 0 };
}

/** Reads one session side's counters: a consent check in either direction resets its silence; media no longer native is a problem. */
function sample(k: ConsentTrack, now: number, problems: string[], at: string): void {
  const c = k.read();
  if (c === null) {
    problems.push(`${at}: ${k.label}: the media is no longer on native sockets`);
    return;
  }
  if (c.stunResponsesReceived > k.last.stunResponsesReceived) k.lastResponseAt = now;
  if (c.stunRequestsReceived > k.last.stunRequestsReceived) k.lastRequestAt = now;
  k.longestResponseGapMs = Math.max(k.longestResponseGapMs, now - k.lastResponseAt);
  k.longestRequestGapMs = Math.max(k.longestRequestGapMs, now - k.lastRequestAt);
  k.last = c;
}
