import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { parseDurationMs, parseRateKbps } from '../scenario/units.js';
import type { Deps } from './deps.js';
import { integerOption } from './options.js';

function rateOption(value: string): number {
  const kbps = parseRateKbps(value);
  if (kbps === null || kbps <= 0) throw new InvalidArgumentError(`expected a rate like 2500kbps, found "${value}"`);
  return kbps;
}

function ptimeOption(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === null || ![10, 20, 40, 60].includes(ms)) throw new InvalidArgumentError(`expected 10ms, 20ms, 40ms or 60ms, found "${value}"`);
  return ms;
}

interface PrepareOptions {
  fps: number;
  bitrate: number;
  width: number;
  height: number;
  keyframeInterval?: number;
  ptime: number;
  audioBitrate: number;
  mono?: boolean;
  audio: boolean;
  video: boolean;
  cacheDir?: string;
  json?: boolean;
}

/** Payload limit used for the packet-rate figure; the scenario's max_payload_bytes defaults to the same. */
const SUMMARY_MAX_PAYLOAD_BYTES = 1200;

/**
 * `avcm media prepare INPUT`: converts any ffmpeg input into the cached H.264 Annex-B + Ogg/Opus
 * that runs use (the same cache and keys as a run with those settings), and prints what it made.
 */
export function registerMedia(program: Command, deps: Deps, setExit: (code: number) => void): void {
  const media = program.command('media').description('media tools');
  media
    .command('prepare')
    .description('convert any ffmpeg input to H.264 Annex-B (constrained baseline) and Ogg/Opus in the media cache, and print what it made')
    .argument('<input>', 'a video/audio file ffmpeg can read')
    .option('--fps <n>', 'frames per second', integerOption(1, 120), 30)
    .option('--bitrate <rate>', 'video bit rate', rateOption, 2500)
    .option('--width <px>', 'width', integerOption(16, 7680), 1280)
    .option('--height <px>', 'height', integerOption(16, 4320), 720)
    .option('--keyframe-interval <frames>', 'frames between keyframes (default: 2 s worth, 60 at 30 fps, as a scenario\'s default keyframe_interval)', integerOption(1, 10_000))
    .option('--ptime <ms>', 'Opus frame duration', ptimeOption, 20)
    .option('--audio-bitrate <rate>', 'Opus bit rate', rateOption, 64)
    .option('--mono', 'one audio channel (default two)')
    .option('--no-audio', 'video only')
    .option('--no-video', 'audio only')
    .option('--cache-dir <dir>', 'media cache folder (default: AVCM_CACHE_DIR or ~/.cache/avcm/media)')
    .option('--json', 'print JSON')
    .action(async (input: string, o: PrepareOptions) => {
      const { audioTrackFromOgg, convertAudio, convertVideo, mediaCacheDir, mediaSummary, videoTrackFromAnnexB } = await import('../media/index.js');
      const file = path.resolve(deps.cwd, input);
      const options = { cacheDir: o.cacheDir ? path.resolve(deps.cwd, o.cacheDir) : mediaCacheDir(deps.env), env: deps.env };
      const out: { input: string; cacheDir: string; video?: Record<string, unknown>; audio?: Record<string, unknown> } = { input: file, cacheDir: options.cacheDir };
      const lines: string[] = [];
      if (o.video) {
        const video = await convertVideo(file, { fps: o.fps, bitrateKbps: o.bitrate, width: o.width, height: o.height, keyframeIntervalFrames: o.keyframeInterval ?? Math.max(1, Math.round(2 * o.fps)) }, options);
        const track = videoTrackFromAnnexB(await readFile(video.file), { fps: o.fps, maxPayloadBytes: SUMMARY_MAX_PAYLOAD_BYTES }, video.file);
        const s = mediaSummary({ video: track, audio: null }).video;
        out.video = { file: video.file, cached: video.cached, ...s };
        if (s) {
          lines.push(
            `video ${video.cached ? 'cached' : 'fresh '} ${video.file}`,
            `      ${s.frames} frames (${s.keyframes} keyframe${s.keyframes === 1 ? '' : 's'}), ${s.seconds.toFixed(2)} s at ${o.fps} fps, ${o.width}x${o.height}, ${s.kbps} kbps, ${s.packetsPerSecond} packets/s`,
          );
        }
      }
      if (o.audio) {
        const audio = await convertAudio(file, { ptimeMs: o.ptime, bitrateKbps: o.audioBitrate, channels: o.mono ? 1 : 2 }, options);
        const track = audioTrackFromOgg(await readFile(audio.file), { ptimeMs: o.ptime }, audio.file);
        const s = mediaSummary({ video: null, audio: track }).audio;
        out.audio = { file: audio.file, cached: audio.cached, ...s };
        if (s) {
          lines.push(`audio ${audio.cached ? 'cached' : 'fresh '} ${audio.file}`, `      ${s.packets} Opus packets of ${o.ptime} ms, ${s.seconds.toFixed(2)} s, ${s.kbps} kbps, ${s.packetsPerSecond} packets/s`);
        }
      }
      if (o.json) deps.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      else {
        // A run looks in AVCM_CACHE_DIR (or the default), so a --cache-dir elsewhere only helps when runs are pointed at it.
        const where = o.cacheDir && options.cacheDir !== mediaCacheDir(deps.env) ? ` when AVCM_CACHE_DIR=${options.cacheDir}` : '';
        lines.push(`a scenario with media file ${input} and these settings uses these files${where} (no conversion at run time)`);
        deps.stdout.write(`${lines.join('\n')}\n`);
      }
      setExit(0);
    });
}
