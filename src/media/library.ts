import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AvcmError } from '../errors/index.js';
import { packagePath } from '../package-root.js';
import type { AudioPlan, Plan, VideoPlan } from '../plan/types.js';
import { opusPacketDurationMs, packetizeH264AccessUnit } from '../rtp/index.js';
import { groupAccessUnits, splitAnnexB } from './annexb.js';
import { convertAudio, convertVideo, type VideoSettings } from './ffmpeg.js';
import { readOggOpus } from './ogg.js';

/** One video frame, packetized once and shared by every participant: RTP payloads only. */
export interface VideoFrame {
  /** RFC 6184 payloads (single NAL, STAP-A, FU-A), each at most the plan's maxPayloadBytes; the last one carries the marker. */
  payloads: Buffer[];
  keyframe: boolean;
  /** Sum of the payload bytes. */
  bytes: number;
}

/** The clip's video, ready to send: index frames with `frameNumber % frames.length`. Read-only, shared. */
export interface VideoTrack {
  /** Starts at a keyframe, so looping (`frameNumber % frames.length`) restarts on one. */
  frames: VideoFrame[];
  fps: number;
  /** RTP timestamp step per frame at 90 kHz (90000 / fps). */
  timestampStep: number;
  /** Sum of all frames' payload bytes: one pass through the clip. */
  bytesPerLoop: number;
}

/** The clip's audio, ready to send: one Opus packet per RTP packet, looped like the video. Read-only, shared. */
export interface AudioTrack {
  /** Opus packets. */
  frames: Buffer[];
  ptimeMs: number;
  /** RTP timestamp step per packet at 48 kHz (48000 * ptimeMs / 1000). */
  timestampStep: number;
}

/** Everything a run sends, loaded once per run by {@link loadMediaLibrary}; null tracks are disabled in the plan. */
export interface MediaLibrary {
  /** The video; with simulcast, its top layer (`videoLayers[0]`). */
  video: VideoTrack | null;
  /**
   * Simulcast: one track per plan layer, same order, converted from the same clip with keyframes at
   * the same frame indices (checked when loaded), so a frame number means one picture in every
   * layer. Absent or null without simulcast.
   */
  videoLayers?: VideoTrack[] | null;
  audio: AudioTrack | null;
  /** Where each track came from (for reports and `avcm media prepare`); `videoLayers` only with simulcast. */
  source: { video: string | null; audio: string | null; videoLayers?: string[] | null };
}

/** The shipped clip's settings (media/default/clip.json, written by scripts/make-default-clip.sh). */
interface DefaultClip {
  video: { file: string; fps: number; width: number; height: number; bitrateKbps: number; keyframeIntervalFrames: number };
  /** The simulcast layers shipped at the video's fps and keyframe interval, highest first (the first is `video.file`). */
  simulcast?: { file: string; width: number; height: number; bitrateKbps: number }[];
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

/**
 * Builds the shared, packetized video track from an Annex-B file. Leading frames before the first
 * keyframe are dropped, so the track starts (and every loop restarts) at a keyframe.
 */
export function videoTrackFromAnnexB(data: Buffer, plan: Pick<VideoPlan, 'fps' | 'maxPayloadBytes'>, label: string): VideoTrack {
  const units = groupAccessUnits(splitAnnexB(data));
  const first = units.findIndex((u) => u.keyframe);
  if (first < 0) throw new AvcmError('E_MEDIA', `${label}: no keyframe (IDR) in the H.264 stream`, { hint: 'convert it with `avcm media prepare`' });
  const frames = units.slice(first).map((unit) => {
    const payloads = packetizeH264AccessUnit(unit.nals, plan.maxPayloadBytes);
    return { payloads, keyframe: unit.keyframe, bytes: payloads.reduce((sum, p) => sum + p.length, 0) };
  });
  return { frames, fps: plan.fps, timestampStep: 90000 / plan.fps, bytesPerLoop: frames.reduce((sum, f) => sum + f.bytes, 0) };
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

/** Where {@link loadMediaLibrary} finds files and ffmpeg. */
export interface LoadOptions {
  /** Relative media paths resolve against this (the scenario's folder). */
  baseDir: string;
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The files a plan's media come from, converting what needs converting: the shipped clip
 * (media/default/) as is when the plan names no file and asks for its settings (no ffmpeg);
 * the clip at other settings (fps, size, bit rate, ptime), or the plan's own file (relative to
 * `baseDir`), converted by ffmpeg once and cached by content. Simulcast layers likewise, one
 * file per layer (the shipped clip ships the default three). The runner calls this before the
 * engines start, so they only read the cache. Throws E_MEDIA or E_FFMPEG_MISSING.
 */
export async function prepareMediaFiles(media: Plan['media'], options: LoadOptions): Promise<MediaLibrary['source']> {
  let clipRead: Promise<DefaultClip> | null = null;
  const shippedClip = (): Promise<DefaultClip> => (clipRead ??= defaultClip());
  const source: MediaLibrary['source'] = { video: null, audio: null };
  if (media.video?.simulcast) {
    const v = media.video;
    const layers = v.simulcast!;
    // One conversion per layer from the same clip, with the same frame rate and keyframe interval:
    // the encoder puts IDRs at the same frame numbers in every layer (loadMediaLibrary checks it).
    source.videoLayers = [];
    for (const layer of layers) {
      const settings = { fps: v.fps, width: layer.width, height: layer.height, bitrateKbps: layer.bitrateKbps, keyframeIntervalFrames: v.keyframeIntervalFrames };
      source.videoLayers.push(v.file === null ? await shippedLayerFile(await shippedClip(), settings, options) : (await convertVideo(path.resolve(options.baseDir, v.file), settings, options)).file);
    }
    source.video = source.videoLayers[0];
  } else if (media.video) {
    const v = media.video;
    if (v.file === null) {
      const clip = await shippedClip();
      const shipped = packagePath(`media/default/${clip.video.file}`);
      const asShipped = v.fps === clip.video.fps && v.width === clip.video.width && v.height === clip.video.height && v.bitrateKbps === clip.video.bitrateKbps && v.keyframeIntervalFrames === clip.video.keyframeIntervalFrames;
      // The clip is used as is at its own settings (no ffmpeg); other settings are honoured by
      // converting it once with ffmpeg (cached), never silently ignored.
      source.video = asShipped ? shipped : (await convertVideo(shipped, v, options).catch((error: unknown) => rethrowForClip(error, `${clip.video.width}x${clip.video.height} @ ${clip.video.fps} fps, ${clip.video.bitrateKbps} kbps, keyframe every ${clip.video.keyframeIntervalFrames} frames`))).file;
    } else source.video = (await convertVideo(path.resolve(options.baseDir, v.file), v, options)).file;
  }
  if (media.audio) {
    const a = media.audio;
    if (a.file === null) {
      const clip = await shippedClip();
      const shipped = packagePath(`media/default/${clip.audio.file}`);
      const asShipped = a.ptimeMs === clip.audio.ptimeMs && a.bitrateKbps === clip.audio.bitrateKbps;
      source.audio = asShipped ? shipped : (await convertAudio(shipped, a, options).catch((error: unknown) => rethrowForClip(error, `Opus ${clip.audio.bitrateKbps} kbps, ${clip.audio.ptimeMs} ms frames`))).file;
    } else source.audio = (await convertAudio(path.resolve(options.baseDir, a.file), a, options)).file;
  }
  return source;
}

/** A simulcast layer of the shipped clip: shipped as is when it has the layer's settings, else converted from the clip. */
async function shippedLayerFile(clip: DefaultClip, settings: VideoSettings, options: LoadOptions): Promise<string> {
  const sameGop = settings.fps === clip.video.fps && settings.keyframeIntervalFrames === clip.video.keyframeIntervalFrames;
  const shipped = sameGop ? clip.simulcast?.find((l) => l.width === settings.width && l.height === settings.height && l.bitrateKbps === settings.bitrateKbps) : undefined;
  if (shipped) return packagePath(`media/default/${shipped.file}`);
  const layers = (clip.simulcast ?? []).map((l) => `${l.width}x${l.height} @ ${l.bitrateKbps} kbps`).join(', ');
  const converted = await convertVideo(packagePath(`media/default/${clip.video.file}`), settings, options).catch((error: unknown) =>
    rethrowForClip(error, `simulcast layers ${layers}, ${clip.video.fps} fps, keyframe every ${clip.video.keyframeIntervalFrames} frames`),
  );
  return converted.file;
}

/**
 * Loads the plan's media once per engine: the files from `prepareMediaFiles`, read and packetized
 * here, so the engines only stamp RTP headers; the result is shared read-only by all participants.
 * Simulcast layers must have the same frames with keyframes at the same indices: E_MEDIA otherwise.
 */
export async function loadMediaLibrary(media: Plan['media'], options: LoadOptions): Promise<MediaLibrary> {
  const source = await prepareMediaFiles(media, options);
  if (media.video && source.videoLayers) {
    const layers: VideoTrack[] = [];
    for (const file of source.videoLayers) layers.push(videoTrackFromAnnexB(await readMedia(file), media.video, file));
    checkAlignedLayers(layers, source.videoLayers);
    return { video: layers[0], videoLayers: layers, audio: media.audio && source.audio ? audioTrackFromOgg(await readMedia(source.audio), media.audio, source.audio) : null, source };
  }
  return {
    video: media.video && source.video ? videoTrackFromAnnexB(await readMedia(source.video), media.video, source.video) : null,
    audio: media.audio && source.audio ? audioTrackFromOgg(await readMedia(source.audio), media.audio, source.audio) : null,
    source,
  };
}

/**
 * Simulcast layers are sent frame for frame on one grid: a frame number must be the same picture
 * in every layer, and a keyframe in one a keyframe in all (an SFU switches layers at keyframes).
 */
export function checkAlignedLayers(layers: readonly VideoTrack[], files: readonly string[]): void {
  const keyframes = (track: VideoTrack): string => track.frames.flatMap((f, i) => (f.keyframe ? [i] : [])).join(',');
  const first = layers[0];
  for (let i = 1; i < layers.length; i++) {
    const layer = layers[i];
    if (layer.frames.length !== first.frames.length || keyframes(layer) !== keyframes(first)) {
      throw new AvcmError(
        'E_MEDIA',
        `simulcast layers are not aligned: ${files[i]} has ${layer.frames.length} frames with keyframes at [${keyframes(layer)}], ${files[0]} has ${first.frames.length} with keyframes at [${keyframes(first)}]`,
        { hint: 'convert every layer from the same source with the same fps and keyframe interval (avcm does so for media.video.file)' },
      );
    }
  }
}

/** ffmpeg is needed only because the scenario asked for other settings than the shipped clip's: say so. */
function rethrowForClip(error: unknown, clipSettings: string): never {
  if (error instanceof AvcmError && error.code === 'E_FFMPEG_MISSING') {
    throw new AvcmError('E_FFMPEG_MISSING', `${error.message}: the scenario's media settings differ from the shipped clip's (${clipSettings})`, {
      hint: `install ffmpeg, or use the clip's settings (leave media.* at their defaults) to run without it`,
    });
  }
  throw error;
}

/** Figures of a loaded library (one loop of each track), for `avcm media prepare` and logs. */
export interface MediaSummary {
  video: { frames: number; keyframes: number; seconds: number; kbps: number; packetsPerSecond: number } | null;
  audio: { packets: number; seconds: number; kbps: number; packetsPerSecond: number } | null;
}

/** Counts frames, keyframes, average kbit/s of payload and RTP packets per second of each track. */
export function mediaSummary(library: Pick<MediaLibrary, 'video' | 'audio'>): MediaSummary {
  const v = library.video;
  const a = library.audio;
  let video: MediaSummary['video'] = null;
  if (v && v.frames.length > 0) {
    const seconds = v.frames.length / v.fps;
    let keyframes = 0;
    let packets = 0;
    for (const frame of v.frames) {
      if (frame.keyframe) keyframes++;
      packets += frame.payloads.length;
    }
    video = { frames: v.frames.length, keyframes, seconds, kbps: Math.round((v.bytesPerLoop * 8) / seconds / 1000), packetsPerSecond: Math.round(packets / seconds) };
  }
  let audio: MediaSummary['audio'] = null;
  if (a && a.frames.length > 0) {
    const seconds = (a.frames.length * a.ptimeMs) / 1000;
    const bytes = a.frames.reduce((sum, f) => sum + f.length, 0);
    audio = { packets: a.frames.length, seconds, kbps: Math.round((bytes * 8) / seconds / 1000), packetsPerSecond: Math.round(a.frames.length / seconds) };
  }
  return { video, audio };
}
