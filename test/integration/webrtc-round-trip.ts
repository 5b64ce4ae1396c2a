// Shared by the WebRTC integration tests: N participants -> one WebRTC probe, in-test signaling.
import { BatchedEngineIo } from '../../src/engine/index.js';
import { loadBatchedUdp } from '../../src/io/index.js';
import { NativeIceSockets, WebRtcParticipantTransport, WebRtcProbeSession, type IceServer, type MediaPath, type ProbeMediaPaths } from '../../src/webrtc/index.js';

export const EXT = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2 };
export const VIDEO_PT = 96;
export const AUDIO_PT = 111;
const BOUND_MS = 10_000;

/** What the probe saw of one RTP stream, parsed from the raw bytes it was handed. */
export interface SeenStream {
  ssrc: number;
  payloadType: number;
  sessionParticipantId: number;
  participantIds: Set<number>;
  absSendTimeSeen: number;
  seqs: number[];
  badPayloads: number;
  badTimestamps: number;
}

export interface RoundTripResult {
  streams: Map<number, SeenStream>;
  candidateTypes: (string | null)[];
  offers: string[];
  sendErrors: number;
  /** Where each participant's media ran, and the probe's sessions. */
  participantPaths: (MediaPath | null)[];
  probePaths: ProbeMediaPaths;
  /** RTP packets the participants' native SRTP sessions protected. */
  nativeRtpProtected: number;
}

/** Which side runs its media on avcm's batched native path (else werift's). */
export interface RoundTripPaths {
  participants: 'native' | 'werift';
  probe: 'native' | 'werift';
}

interface Planned {
  id: number;
  videoSsrc: number;
  audioSsrc: number;
  seqStart: number;
  tsStart: number;
}

/** A hand-built RTP packet: 12-byte header + RFC 8285 one-byte extensions (id 1 pid, id 2 abs-send-time). */
export function rtpHeader(pt: number, seq: number, ts: number, ssrc: number, participantId: number, absSendTime: number): Buffer {
  const b = Buffer.alloc(28); // 12 fixed + 4 extension header + 12 extension words
  b[0] = 0x90; // V=2, X=1
  b[1] = pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  b.writeUInt16BE(0xbede, 12);
  b.writeUInt16BE(3, 14); // 3 words: 5 + 4 bytes of elements + 3 bytes padding
  b[16] = (EXT.participantIdId << 4) | 3;
  b.writeUInt32BE(participantId >>> 0, 17);
  b[21] = (EXT.absSendTimeId << 4) | 2;
  b.writeUIntBE(absSendTime & 0xffffff, 22, 3);
  return b;
}

/** The payload bytes of packet `seq` of `ssrc`: recognisable, so a corrupted packet is caught. */
export function payloadFor(ssrc: number, seq: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (ssrc + seq * 7 + i) & 0xff;
  return b;
}

/** Parses one received packet and records it (RFC 3550 5.1 header, RFC 8285 4.2 one-byte extensions). */
function record(streams: Map<number, SeenStream>, planned: Planned[], buf: Buffer, sessionParticipantId: number): void {
  const ssrc = buf.readUInt32BE(8);
  let s = streams.get(ssrc);
  if (!s) {
    s = { ssrc, payloadType: buf[1] & 0x7f, sessionParticipantId, participantIds: new Set(), absSendTimeSeen: 0, seqs: [], badPayloads: 0, badTimestamps: 0 };
    streams.set(ssrc, s);
  }
  const cc = buf[0] & 0x0f;
  let offset = 12 + cc * 4;
  if (buf[0] & 0x10 && buf.readUInt16BE(offset) === 0xbede) {
    const end = offset + 4 + buf.readUInt16BE(offset + 2) * 4;
    let i = offset + 4;
    while (i < end) {
      if (buf[i] === 0) {
        i++;
        continue;
      }
      const id = buf[i] >> 4;
      const len = (buf[i] & 0x0f) + 1;
      if (id === EXT.participantIdId && len === 4) s.participantIds.add(buf.readUInt32BE(i + 1));
      if (id === EXT.absSendTimeId && len === 3) s.absSendTimeSeen++;
      i += 1 + len;
    }
    offset = end;
  }
  const seq = buf.readUInt16BE(2);
  s.seqs.push(seq);
  const p = planned.find((x) => x.videoSsrc === ssrc || x.audioSsrc === ssrc);
  if (!p) return;
  const n = (seq - p.seqStart) & 0xffff;
  const tsStep = ssrc === p.videoSsrc ? 3000 : 960;
  if (buf.readUInt32BE(4) !== ((p.tsStart + n * tsStep) >>> 0)) s.badTimestamps++;
  const payload = buf.subarray(offset);
  const expected = payloadFor(ssrc, seq, 60 + (n % 40));
  if (!payload.equals(expected)) s.badPayloads++;
}

/**
 * Connects `count` participants to one probe session (participants offer, the probe answers), sends
 * `packetsPerParticipant` packets from each (alternating video/audio) and waits until all arrived
 * or a bound passes.
 */
export async function roundTrip(
  count: number,
  packetsPerParticipant: number,
  participantIce: { iceServers: IceServer[]; iceTransportPolicy: 'all' | 'relay' },
  connectTimeoutMs = BOUND_MS,
  paths: RoundTripPaths = { participants: 'werift', probe: 'werift' },
): Promise<RoundTripResult> {
  const wantsNative = paths.participants === 'native' || paths.probe === 'native';
  const load = wantsNative ? loadBatchedUdp() : null;
  if (load && !load.available) throw new Error(`batched UDP I/O unavailable: ${load.reason}`);
  const udp = load?.available ? load.udp : undefined;
  const engineIo = udp && paths.participants === 'native' ? new BatchedEngineIo(udp, { target: null, maxPacketBytes: 1500 }) : null;
  const native = engineIo ? new NativeIceSockets(engineIo) : undefined;
  const streams = new Map<number, SeenStream>();
  let received = 0;
  const planned: Planned[] = Array.from({ length: count }, (_, i) => ({ id: 1001 + i, videoSsrc: 0x10000000 + i * 2, audioSsrc: 0x10000001 + i * 2, seqStart: 65_500 + i, tsStart: 0xfffff000 + i }));
  const session = new WebRtcProbeSession({
    videoPayloadType: VIDEO_PT,
    audioPayloadType: AUDIO_PT,
    extensions: EXT,
    iceServers: [],
    loopbackOnly: true,
    udp: paths.probe === 'native' ? udp : undefined,
    onRtp: (buf, arrivalEpochMs, participantId) => {
      if (!(Math.abs(arrivalEpochMs - Date.now()) < 1000)) throw new Error(`arrival time ${arrivalEpochMs} is not epoch ms`);
      received++;
      record(streams, planned, buf, participantId);
    },
  });
  const transports: WebRtcParticipantTransport[] = [];
  try {
    for (const p of planned) {
      transports.push(
        await WebRtcParticipantTransport.create({
          participantId: p.id,
          video: { ssrc: p.videoSsrc, payloadType: VIDEO_PT },
          audio: { ssrc: p.audioSsrc, payloadType: AUDIO_PT },
          extensions: EXT,
          loopbackOnly: true,
          native,
          ...participantIce,
        }),
      );
    }
    const offers: string[] = [];
    await Promise.all(
      transports.map(async (t, i) => {
        const offer = await t.createOffer();
        offers[i] = offer;
        await t.acceptAnswer(await session.answer(planned[i].id, offer));
        await t.connected(connectTimeoutMs);
        await session.connected(planned[i].id, connectTimeoutMs);
      }),
    );
    const candidateTypes = transports.map((t) => t.selectedCandidateType());
    for (let k = 0; k < packetsPerParticipant; k++) {
      const video = k % 2 === 0;
      const n = k >> 1; // each medium has its own sequence
      transports.forEach((t, i) => {
        const p = planned[i];
        const ssrc = video ? p.videoSsrc : p.audioSsrc;
        const seq = (p.seqStart + n) & 0xffff;
        const header = rtpHeader(video ? VIDEO_PT : AUDIO_PT, seq, (p.tsStart + n * (video ? 3000 : 960)) >>> 0, ssrc, p.id, n * 1000);
        t.send(header, header.length, payloadFor(ssrc, seq, 60 + (n % 40)));
        header.fill(0); // the engine reuses its header buffer right after send()
      });
      // As the engine does at the end of each tick: the batched path's packets leave here.
      engineIo?.flush();
      if (k % 4 === 3) await new Promise((r) => setTimeout(r, 1));
    }
    const deadline = Date.now() + BOUND_MS;
    while (received < count * packetsPerParticipant && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    // A little longer, so duplicates would show up too.
    await new Promise((r) => setTimeout(r, 100));
    return {
      streams,
      candidateTypes,
      offers,
      sendErrors: transports.reduce((sum, t) => sum + t.errors, 0) + (engineIo?.sendDropped ?? 0),
      participantPaths: transports.map((t) => t.mediaPath),
      probePaths: session.mediaPaths(),
      // A session's sockets share its SRTP session: count each session once.
      nativeRtpProtected: [...new Set((native?.openSockets() ?? []).map((s) => s.socket.srtpSession))].reduce((sum, session) => sum + (session?.counters().rtpProtected ?? 0), 0),
    };
  } finally {
    await Promise.all(transports.map((t) => t.close()));
    await session.close();
  }
}

/** The sequence numbers `count` packets starting at `start` carry (mod 2^16). */
export function expectedSeqs(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, n) => (start + n) & 0xffff);
}
