import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AvcmError } from '../errors/index.js';

/** What the H.264 conversion produces. */
export interface VideoSettings {
  fps: number;
  bitrateKbps: number;
  width: number;
  height: number;
  /** Frames from one IDR to the next (the loop restarts on one). */
  keyframeIntervalFrames: number;
}

/** What the Opus conversion produces (always 48 kHz). */
export interface AudioSettings {
  /** Opus frame duration: 10, 20, 40 or 60 ms. */
  ptimeMs: number;
  bitrateKbps: number;
  /** 2 (default) or 1. */
  channels?: 1 | 2;
}

/** Where conversions are cached and which ffmpeg runs them. */
export interface ConvertOptions {
  /** Default: {@link mediaCacheDir}. */
  cacheDir?: string;
  /** Reads `AVCM_FFMPEG` and `AVCM_CACHE_DIR` from here (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/** A converted file in the cache. */
export interface Converted {
  file: string;
  /** True when the cache already held it (ffmpeg did not run). */
  cached: boolean;
}

/** The media cache: `AVCM_CACHE_DIR`, else `$XDG_CACHE_HOME/avcm/media`, else `~/.cache/avcm/media`. */
export function mediaCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AVCM_CACHE_DIR) return path.resolve(env.AVCM_CACHE_DIR);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'avcm', 'media');
}

function ffmpegBinary(env: NodeJS.ProcessEnv): string {
  return env.AVCM_FFMPEG || 'ffmpeg';
}

async function hashFile(file: string): Promise<string> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new AvcmError('E_MEDIA', `media file ${file} does not exist`, { hint: 'media paths are relative to the scenario file' });
  }
  if (!info.isFile()) throw new AvcmError('E_MEDIA', `media ${file} is not a file`);
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new AvcmError('E_MEDIA', `cannot read media ${file}: ${(error as Error).message}`, { cause: error });
  }
  return hash.digest('hex').slice(0, 24);
}

/** Short digest of the ffmpeg arguments (paths as placeholders): a changed encoder setting never reuses an old conversion. */
function argsDigest(args: string[]): string {
  return createHash('sha256').update(args.join('\0')).digest('hex').slice(0, 8);
}

/** Runs ffmpeg with an argument list (no shell); E_FFMPEG_MISSING when it is not installed, E_MEDIA with its last lines when it fails. */
export function runFfmpeg(args: string[], env: NodeJS.ProcessEnv = process.env, label = 'ffmpeg'): Promise<void> {
  const binary = ffmpegBinary(env);
  return new Promise((resolve, reject) => {
    // -loglevel error: stderr then holds only the reasons, so its tail is what the user needs to see.
    const child = spawn(binary, ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(
          new AvcmError('E_FFMPEG_MISSING', `ffmpeg is needed to convert ${label} but "${binary}" was not found`, {
            hint: 'install it (Debian/Ubuntu: apt-get install ffmpeg), set AVCM_FFMPEG to its path, or use the shipped default media',
          }),
        );
      } else reject(new AvcmError('E_MEDIA', `cannot run ffmpeg (${binary}): ${error.message}`));
    });
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else {
        const tail = stderr.trim().split('\n').slice(-4).join('\n  ') || '(no message)';
        const how = code === null ? `killed by ${signal}` : `exit ${code}`;
        reject(new AvcmError('E_MEDIA', `ffmpeg could not convert ${label} (${how}):\n  ${tail}`, { hint: 'is it a media file ffmpeg can read, with the stream asked for (video/audio)?' }));
      }
    });
  });
}

async function cachedOrConvert(cacheDir: string, name: string, convert: (tmp: string) => Promise<void>): Promise<Converted> {
  const file = path.join(cacheDir, name);
  try {
    await stat(file);
    return { file, cached: true };
  } catch {
    // not cached yet
  }
  await mkdir(cacheDir, { recursive: true });
  // Unique per call: concurrent runs converting the same input each write their own file; rename is atomic, the last one wins with identical content.
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}${path.extname(name)}`;
  try {
    await convert(tmp);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return { file, cached: false };
}

/**
 * Converts any ffmpeg input into H.264 Annex-B: constrained baseline (no B-frames, CAVLC), SPS/PPS
 * repeated at every IDR so a loop restart is decodable, fixed GOP, scaled and rate-limited as asked.
 * Cached by the input's content hash and the settings.
 */
export async function convertVideo(input: string, settings: VideoSettings, options: ConvertOptions = {}): Promise<Converted> {
  const env = options.env ?? process.env;
  const args = (source: string, tmp: string): string[] => [
    '-i', source, '-an', '-sn', '-dn',
    '-vf', `scale=${settings.width}:${settings.height}:flags=bicubic,fps=${settings.fps},format=yuv420p`,
    '-r', String(settings.fps),
    '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'veryfast', '-tune', 'zerolatency',
    '-b:v', `${settings.bitrateKbps}k`, '-maxrate', `${Math.round(settings.bitrateKbps * 1.2)}k`, '-bufsize', `${settings.bitrateKbps}k`,
    '-g', String(settings.keyframeIntervalFrames), '-keyint_min', String(settings.keyframeIntervalFrames), '-sc_threshold', '0', '-bf', '0',
    // repeat-headers: SPS/PPS before every IDR, so a receiver joining (or the loop restarting) can decode at once.
    '-x264-params', 'repeat-headers=1:aud=1:slices=1:bframes=0',
    '-f', 'h264', tmp,
  ];
  const key = `${await hashFile(input)}-v-${settings.width}x${settings.height}-${settings.fps}fps-${settings.bitrateKbps}k-g${settings.keyframeIntervalFrames}-${argsDigest(args('IN', 'OUT'))}.h264`;
  return cachedOrConvert(options.cacheDir ?? mediaCacheDir(env), key, (tmp) => runFfmpeg(args(input, tmp), env, input));
}

/** Converts any ffmpeg input's audio into Ogg/Opus with the given frame duration (RFC 7587 ptime). */
export async function convertAudio(input: string, settings: AudioSettings, options: ConvertOptions = {}): Promise<Converted> {
  const env = options.env ?? process.env;
  const channels = settings.channels ?? 2;
  const args = (source: string, tmp: string): string[] => [
    '-i', source, '-vn', '-sn', '-dn', '-ar', '48000', '-ac', String(channels),
    '-c:a', 'libopus', '-b:a', `${settings.bitrateKbps}k`, '-frame_duration', String(settings.ptimeMs), '-application', 'voip',
    '-f', 'ogg', tmp,
  ];
  const key = `${await hashFile(input)}-a-opus-${settings.ptimeMs}ms-${settings.bitrateKbps}k-${channels}ch-${argsDigest(args('IN', 'OUT'))}.ogg`;
  return cachedOrConvert(options.cacheDir ?? mediaCacheDir(env), key, (tmp) => runFfmpeg(args(input, tmp), env, input));
}
