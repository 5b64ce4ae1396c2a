import path from 'node:path';
import type { Command } from 'commander';
import { audioTrackFromOgg, convertAudio, convertVideo, mediaCacheDir, mediaSummary, videoTrackFromAnnexB } from '../media/index.js';
import { readFile } from 'node:fs/promises';
import { parseDurationMs, parseRateKbps } from '../scenario/units.js';
import type { Deps } from './deps.js';
import { integerOption } from './options.js';
import { InvalidArgumentError } from 'commander';

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

/** `avcm media prepare INPUT`: converts any ffmpeg input into the cached H.264 Annex-B + Ogg/Opus that runs use. */
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
    .option('--keyframe-interval <frames>', 'frames between keyframes', integerOption(1, 10_000), 60)
    .option('--ptime <ms>', 'Opus frame duration', ptimeOption, 20)
    .option('--audio-bitrate <rate>', 'Opus bit rate', rateOption, 64)
    .option('--no-audio', 'video only')
    .option('--no-video', 'audio only')
    .option('--cache-dir <dir>', 'media cache folder (default: AVCM_CACHE_DIR or ~/.cache/avcm/media)')
    .action(async (input: string, o: { fps: number; bitrate: number; width: number; height: number; keyframeInterval: number; ptime: number; audioBitrate: number; audio: boolean; video: boolean; cacheDir?: string }) => {
      const file = path.resolve(deps.cwd, input);
      const options = { cacheDir: o.cacheDir ? path.resolve(deps.cwd, o.cacheDir) : mediaCacheDir(deps.env), env: deps.env };
      const out: Record<string, unknown> = { input: file, cacheDir: options.cacheDir };
      if (o.video) {
        const video = await convertVideo(file, { fps: o.fps, bitrateKbps: o.bitrate, width: o.width, height: o.height, keyframeIntervalFrames: o.keyframeInterval }, options);
        const track = videoTrackFromAnnexB(await readFile(video.file), { fps: o.fps, maxPayloadBytes: 1200 }, video.file);
        out.video = { file: video.file, cached: video.cached, ...mediaSummary({ video: track, audio: null, source: { video: null, audio: null } }).video };
      }
      if (o.audio) {
        const audio = await convertAudio(file, { ptimeMs: o.ptime, bitrateKbps: o.audioBitrate }, options);
        const track = audioTrackFromOgg(await readFile(audio.file), { ptimeMs: o.ptime }, audio.file);
        out.audio = { file: audio.file, cached: audio.cached, ...mediaSummary({ video: null, audio: track, source: { video: null, audio: null } }).audio };
      }
      deps.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      setExit(0);
    });
}
