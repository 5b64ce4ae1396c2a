import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AvcmError } from '../errors/index.js';
import { packagePath } from '../package-root.js';
import type { AudioPlan, Plan, VideoPlan } from '../plan/types.js';
import { opusPacketDurationMs, packetizeH264AccessUnit } from '../rtp/index.js';
import { groupAccessUnits, splitAnnexB } from './annexb.js';
import { convertAudio, convertVideo } from './ffmpeg.js';
import { readOggOpus } from './ogg.js';

/** One video frame, packetized once and shared by every participant: RTP payloads only. */
export interface VideoFrame {
  payloads: Buffer[];
  keyframe: boolean;
  /** Sum of the payload bytes. */
  bytes: number;
}

export interface VideoTrack {
  /** Starts at a keyframe, so looping (`frameNumber % frames.length`) restarts on one. */
  frames: VideoFrame[];
  fps: number;
  /** RTP timestamp step per frame at 90 kHz. */
  timestampStep: number;
}

export interface AudioTrack {
  /** Opus packets. */
  frames: Buffer[];
  ptimeMs: number;
  /** RTP timestamp step per packet at 48 kHz. */
  timestampStep: number;
}

export interface MediaLibrary {
  video: VideoTrack | null;
  audio: AudioTrack | null;
  /** Where each track came from (for reports and `avcm media prepare`). */
  source: { video: string | null; audio: string | null };
}

/** The shipped clip's settings (media/default/clip.json): used as is when the plan asks for exactly these. */
interface DefaultClip {
  video: { file: string; fps: number; width: number; height: number; bitrateKbps: number; keyframeIntervalFrames: number };
  audio: { file: string; ptimeMs: number; bitrateKbps: number };
}

async function defaultClip(): Promise<DefaultClip> {
  const file = packagePath('media/default/clip.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DefaultClip;
  } catch (error) {
    throw new AvcmError('E_MEDIA', `the shipped default clip is missing (${file}): ${(error as Error).message}`, { hint: 'reinstall avcm, or run scripts/make-default-clip.sh' });
  }
}

async function readMedia(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new AvcmError('E_MEDIA', `cannot read media ${file}: ${(error as Error).message}`);
  }
}

/** Builds the shared, packetized video track from an Annex-B file. */
export function videoTrackFromAnnexB(data: Buffer, plan: Pick<VideoPlan, 'fps' | 'maxPayloadBytes'>, label: string): VideoTrack {
  const units = groupAccessUnits(splitAnnexB(data));
  const first = units.findIndex((u) => u.keyframe);
  if (first < 0) throw new AvcmError('E_MEDIA', `${label}: no keyframe (IDR) in the H.264 stream`, { hint: 'convert it with `avcm media prepare`' });
  const frames = units.slice(first).map((unit) => {
    const payloads = packetizeH264AccessUnit(unit.nals, plan.maxPayloadBytes);
    return { payloads, keyframe: unit.keyframe, bytes: payloads.reduce((sum, p) => sum + p.length, 0) };
  });
  return { frames, fps: plan.fps, timestampStep: 90000 / plan.fps };
}

/** Builds the shared audio track from an Ogg/Opus file, checking that packets match the ptime. */
export function audioTrackFromOgg(data: Buffer, plan: Pick<AudioPlan, 'ptimeMs'>, label: string): AudioTrack {
  const { packets } = readOggOpus(data, label);
  if (packets.length === 0) throw new AvcmError('E_MEDIA', `${label}: no Opus packets`);
  const duration = opusPacketDurationMs(packets[0]);
  if (duration !== plan.ptimeMs) {
    throw new AvcmError('E_MEDIA', `${label}: Opus packets last ${duration} ms but the scenario asks for ptime ${plan.ptimeMs} ms`, { hint: 'convert it again with the scenario ptime (avcm media prepare --ptime)' });
  }
  return { frames: packets, ptimeMs: plan.ptimeMs, timestampStep: (48000 * plan.ptimeMs) / 1000 };
}

export interface LoadOptions {
  /** Relative media paths resolve against this (the scenario's folder). */
  baseDir: string;
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Loads the plan's media once: the shipped clip when the plan names no file and asks for the
 * clip's own settings (no ffmpeg needed), otherwise a cached ffmpeg conversion. Everything is
 * packetized here, so the engines only stamp headers.
 */
export async function loadMediaLibrary(media: Plan['media'], options: LoadOptions): Promise<MediaLibrary> {
  const clip = await defaultClip();
  const clipVideo = packagePath(`media/default/${clip.video.file}`);
  const clipAudio = packagePath(`media/default/${clip.audio.file}`);
  let video: VideoTrack | null = null;
  let audio: AudioTrack | null = null;
  const source: MediaLibrary['source'] = { video: null, audio: null };
  if (media.video) {
    const v = media.video;
    const asShipped = v.file === null && v.fps === clip.video.fps && v.width === clip.video.width && v.height === clip.video.height && v.bitrateKbps === clip.video.bitrateKbps && v.keyframeIntervalFrames === clip.video.keyframeIntervalFrames;
    const file = asShipped ? clipVideo : (await convertVideo(v.file === null ? clipVideo : path.resolve(options.baseDir, v.file), v, options)).file;
    video = videoTrackFromAnnexB(await readMedia(file), v, file);
    source.video = file;
  }
  if (media.audio) {
    const a = media.audio;
    const asShipped = a.file === null && a.ptimeMs === clip.audio.ptimeMs && a.bitrateKbps === clip.audio.bitrateKbps;
    const file = asShipped ? clipAudio : (await convertAudio(a.file === null ? clipAudio : path.resolve(options.baseDir, a.file), a, options)).file;
    audio = audioTrackFromOgg(await readMedia(file), a, file);
    source.audio = file;
  }
  return { video, audio, source };
}

/** Figures of a loaded library, for `avcm media prepare` and logs. */
export function mediaSummary(library: MediaLibrary): { video: { frames: number; keyframes: number; seconds: number; kbps: number; packetsPerSecond: number } | null; audio: { packets: number; seconds: number; kbps: number } | null } {
  const v = library.video;
  const a = library.audio;
  return {
    video: v
      ? {
          frames: v.frames.length,
          keyframes: v.frames.filter((f) => f.keyframe).length,
          seconds: v.frames.length / v.fps,
          kbps: Math.round((v.frames.reduce((s, f) => s + f.bytes, 0) * 8) / (v.frames.length / v.fps) / 1000),
          packetsPerSecond: Math.round(v.frames.reduce((s, f) => s + f.payloads.length, 0) / (v.frames.length / v.fps)),
        }
      : null,
    audio: a ? { packets: a.frames.length, seconds: (a.frames.length * a.ptimeMs) / 1000, kbps: Math.round((a.frames.reduce((s, f) => s + f.length, 0) * 8) / ((a.frames.length * a.ptimeMs) / 1000) / 1000) } : null,
  };
}
