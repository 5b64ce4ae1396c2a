import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertAudio, convertVideo, groupAccessUnits, loadMediaLibrary, readOggOpus, splitAnnexB } from '../../../src/media/index.js';
import type { Plan } from '../../../src/plan/types.js';

// Readers and conversion on real ffmpeg output.

let dir: string;
let h264: Buffer;
let ogg: Buffer;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-media-'));
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=2', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=2', '-c:v', 'libx264', '-profile:v', 'baseline', '-g', '15', '-bf', '0', '-c:a', 'aac', path.join(dir, 'in.mp4')]);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', path.join(dir, 'in.mp4'), '-an', '-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb', '-f', 'h264', path.join(dir, 'in.h264')]);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', path.join(dir, 'in.mp4'), '-vn', '-c:a', 'libopus', '-frame_duration', '20', path.join(dir, 'in.ogg')]);
  h264 = await readFile(path.join(dir, 'in.h264'));
  ogg = await readFile(path.join(dir, 'in.ogg'));
}, 60_000);

const VIDEO: NonNullable<Plan['media']['video']> = { file: 'in.mp4', fps: 30, bitrateKbps: 500, width: 320, height: 240, keyframeIntervalFrames: 15, payloadType: 96, clockRateHz: 90000, maxPayloadBytes: 1200 };
const AUDIO: NonNullable<Plan['media']['audio']> = { file: 'in.mp4', ptimeMs: 20, bitrateKbps: 32, payloadType: 111, clockRateHz: 48000 };

describe('Annex-B reader', () => {
  it('splits NAL units and groups one access unit per frame, keyframes at each GOP', () => {
    const units = groupAccessUnits(splitAnnexB(h264));
    expect(units).toHaveLength(60);
    expect(units.map((u, i) => (u.keyframe ? i : -1)).filter((i) => i >= 0)).toEqual([0, 15, 30, 45]);
    expect(splitAnnexB(h264).every((n) => n[0] !== 0)).toBe(true);
  });
});

describe('Ogg/Opus reader', () => {
  it('yields one packet per 20 ms, skipping OpusHead and OpusTags', () => {
    const { packets, channels } = readOggOpus(ogg);
    expect(packets.length).toBeGreaterThanOrEqual(99);
    expect(packets.length).toBeLessThanOrEqual(102);
    expect(channels).toBeGreaterThan(0);
    expect(packets.some((p) => p.toString('latin1', 0, 8) === 'OpusHead')).toBe(false);
  });

  it('detects a corrupted page by its CRC and names the byte offset', () => {
    const bad = Buffer.from(ogg);
    bad[bad.length - 10] ^= 0xff;
    expect(() => readOggOpus(bad, 'bad.ogg')).toThrow(/bad\.ogg: Ogg page CRC mismatch at byte \d+/);
  });
});

describe('conversion and the media library', () => {
  it('converts with ffmpeg once, then serves the cache', async () => {
    const cacheDir = path.join(dir, 'cache');
    const first = await convertVideo(path.join(dir, 'in.mp4'), VIDEO, { cacheDir });
    expect(first.cached).toBe(false);
    const mtime = (await stat(first.file)).mtimeMs;
    const second = await convertVideo(path.join(dir, 'in.mp4'), VIDEO, { cacheDir });
    expect(second).toEqual({ file: first.file, cached: true });
    expect((await stat(second.file)).mtimeMs).toBe(mtime);
    const audio = await convertAudio(path.join(dir, 'in.mp4'), AUDIO, { cacheDir });
    const lib = await loadMediaLibrary({ video: VIDEO, audio: AUDIO }, { baseDir: dir, cacheDir });
    expect(lib.video!.frames[0].keyframe).toBe(true);
    expect(lib.video!.frames.every((f) => f.payloads.every((p) => p.length <= 1200))).toBe(true);
    expect(lib.audio!.frames.length).toBeGreaterThan(90);
    expect(lib.source.audio).toBe(audio.file);
  }, 60_000);

  it('missing ffmpeg is E_FFMPEG_MISSING with a hint; a non-media input is E_MEDIA', async () => {
    const cacheDir = path.join(dir, 'cache-missing');
    await expect(convertVideo(path.join(dir, 'in.mp4'), VIDEO, { cacheDir, env: { AVCM_FFMPEG: '/nonexistent/ffmpeg' } })).rejects.toMatchObject({ code: 'E_FFMPEG_MISSING', hint: expect.stringMatching(/apt-get install ffmpeg/) });
    await writeFile(path.join(dir, 'notes.txt'), 'not a video');
    await expect(convertVideo(path.join(dir, 'notes.txt'), VIDEO, { cacheDir })).rejects.toMatchObject({ code: 'E_MEDIA', message: expect.stringMatching(/ffmpeg could not convert/) });
  }, 60_000);

  it('the shipped default clip loads without ffmpeg and its loop restarts at a keyframe', async () => {
    const lib = await loadMediaLibrary(
      { video: { ...VIDEO, file: null, width: 1280, height: 720, bitrateKbps: 2500, keyframeIntervalFrames: 60 }, audio: { ...AUDIO, file: null, bitrateKbps: 64 } },
      { baseDir: dir, env: { AVCM_FFMPEG: '/nonexistent/ffmpeg' } },
    );
    expect(lib.video!.frames).toHaveLength(300);
    expect(lib.video!.frames[0].keyframe).toBe(true);
    expect(lib.video!.frames.filter((f) => f.keyframe)).toHaveLength(5);
    expect(lib.audio!.timestampStep).toBe(960);
  });
});
