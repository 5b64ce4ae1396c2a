/**
 * Packet sequences as avcm's engine sends them, for the probe's viewer model tests: video frames
 * of N packets sharing one RTP timestamp (90 kHz, 30 fps), the marker on the last, H.264 FU-A
 * payloads (RFC 6184 5.8) whose indicator/header bytes make `classifyH264Payload` see an IDR slice
 * (type 5) or a P slice (type 1) with nal_ref_idc set (reference) or clear (non-reference); audio
 * one Opus packet per 20 ms (48 kHz). Built by hand, independent of the engine.
 */
import { classifyH264Payload } from '../../../src/rtp/index.js';
import { rtpPacket } from './packets.js';

export const VIDEO_FRAME_MS = 1000 / 30;
export const VIDEO_TICKS_PER_FRAME = 3000;
export const AUDIO_FRAME_MS = 20;
export const AUDIO_TICKS_PER_FRAME = 960;

export type FrameKind = 'idr' | 'p' | 'b';

/** One packet: its sequence number (extended: not wrapped), RTP timestamp, marker, payload, media time. */
export interface StreamPacket {
  ext: number;
  timestamp: number;
  marker: boolean;
  payload: Buffer;
  /** `classifyH264Payload` of the payload (0 for audio). */
  flags: number;
  frame: number;
  /** Its place in its frame (0 = first). */
  indexInFrame: number;
  /** When the sender sent it, run ms (its frame's due time). */
  sentMs: number;
}

/**
 * FU-A fragment `index` of `count` of a frame: indicator F=0, NRI (3 for reference slices, 0 for a
 * non-reference 'b' frame), type 28; header S/E bits and the slice type (5 IDR, 1 non-IDR).
 */
export function fuA(kind: FrameKind, index: number, count: number, bytes = 40): Buffer {
  const payload = Buffer.alloc(bytes, 0x5a);
  payload[0] = (kind === 'b' ? 0x00 : 0x60) | 28;
  payload[1] = (index === 0 ? 0x80 : 0) | (index === count - 1 ? 0x40 : 0) | (kind === 'idr' ? 5 : 1);
  return payload;
}

export interface VideoOptions {
  frames: number;
  packetsPerFrame?: number;
  /** Which frames are IDRs (default: frame 0 and every 60th). */
  kindOf?: (frame: number) => FrameKind;
  firstSeq?: number;
  firstTimestamp?: number;
  /** Run ms of frame 0. */
  startMs?: number;
  /** Frames the sender skips without using sequence numbers (an encoder-side drop): their timestamps are skipped. */
  skipFrame?: (frame: number) => boolean;
}

/** The packets of a 30 fps video stream, in send order. */
export function videoStream(o: VideoOptions): StreamPacket[] {
  const perFrame = o.packetsPerFrame ?? 3;
  const kindOf = o.kindOf ?? ((f: number) => (f % 60 === 0 ? 'idr' : 'p'));
  const packets: StreamPacket[] = [];
  let ext = o.firstSeq ?? 1000;
  for (let frame = 0; frame < o.frames; frame++) {
    if (o.skipFrame?.(frame)) continue;
    const kind = kindOf(frame);
    for (let i = 0; i < perFrame; i++) {
      const payload = fuA(kind, i, perFrame);
      packets.push({
        ext: ext++,
        timestamp: ((o.firstTimestamp ?? 90_000) + frame * VIDEO_TICKS_PER_FRAME) >>> 0,
        marker: i === perFrame - 1,
        payload,
        flags: classifyH264Payload(payload, 0, payload.length),
        frame,
        indexInFrame: i,
        sentMs: (o.startMs ?? 0) + frame * VIDEO_FRAME_MS,
      });
    }
  }
  return packets;
}

/** The packets of a 20 ms Opus audio stream. */
export function audioStream(o: { packets: number; firstSeq?: number; firstTimestamp?: number; startMs?: number }): StreamPacket[] {
  return Array.from({ length: o.packets }, (_, i) => ({
    ext: (o.firstSeq ?? 500) + i,
    timestamp: ((o.firstTimestamp ?? 48_000) + i * AUDIO_TICKS_PER_FRAME) >>> 0,
    marker: false,
    payload: Buffer.from([0xfc, 0xff, 0xfe, i & 0xff]),
    flags: 0,
    frame: i,
    indexInFrame: 0,
    sentMs: (o.startMs ?? 0) + i * AUDIO_FRAME_MS,
  }));
}

/** The wire bytes of a packet (RFC 8285 extensions as the probe tests use them). */
export function wireBytes(p: StreamPacket, o: { pt: number; ssrc: number; participant?: number | null; abs?: number }): Buffer {
  const header = rtpPacket({ seq: p.ext & 0xffff, ts: p.timestamp, pt: o.pt, ssrc: o.ssrc, marker: p.marker, participant: o.participant, abs: o.abs, payloadBytes: 0 });
  return Buffer.concat([header, p.payload]);
}
