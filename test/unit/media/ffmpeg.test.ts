import { execFileSync } from 'node:child_process';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertAudio, convertVideo, groupAccessUnits, mediaCacheDir, readOggOpus, splitAnnexB, type VideoSettings } from '../../../src/media/index.js';
import { opusPacketDurationMs } from '../../../src/rtp/index.js';
import { makeInputs, type MediaInputs } from './fixtures.js';

let inputs: MediaInputs;
let countingFfmpeg: string;
let counter: string;
beforeAll(async () => {
  inputs = await makeInputs();
  // The real ffmpeg behind a wrapper that counts its runs: a cache hit must not start it.
  counter = path.join(inputs.dir, 'ffmpeg-runs');
  countingFfmpeg = path.join(inputs.dir, 'counting-ffmpeg');
  await writeFile(countingFfmpeg, `#!/bin/sh\necho run >> '${counter}'\nexec ffmpeg "$@"\n`);
  await chmod(countingFfmpeg, 0o755);
});

const runs = async (): Promise<number> => (await readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
const VIDEO: VideoSettings = { fps: 15, bitrateKbps: 300, width: 160, height: 120, keyframeIntervalFrames: 10 };
const type = (nal: Buffer): number => nal[0] & 0x1f;

describe('convertVideo', () => {
  it('makes constrained-baseline Annex-B at the asked size and rate, SPS/PPS before every IDR, fixed GOP', async () => {
    const cacheDir = path.join(inputs.dir, 'cache-video');
    const { file, cached } = await convertVideo(inputs.mp4, VIDEO, { cacheDir });
    expect(cached).toBe(false);
    expect(path.dirname(file)).toBe(cacheDir);
    const probe = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=profile,width,height,r_frame_rate,has_b_frames', '-of', 'compact', file]).toString();
    expect(probe).toContain('profile=Constrained Baseline');
    expect(probe).toContain('width=160|height=120');
    expect(probe).toContain('r_frame_rate=15/1');
    expect(probe).toContain('has_b_frames=0');
    const units = groupAccessUnits(splitAnnexB(await readFile(file)));
    expect(units).toHaveLength(30); // 2 s at 15 fps
    expect(units.flatMap((u, i) => (u.keyframe ? [i] : []))).toEqual([0, 10, 20]);
    for (const unit of units.filter((u) => u.keyframe)) expect(unit.nals.map(type)).toEqual(expect.arrayContaining([7, 8, 5]));
    // Atomic write: nothing but the result is left in the cache.
    expect(await readdir(cacheDir)).toEqual([path.basename(file)]);
  });

  it('runs ffmpeg once per input content and settings, then serves the cache', async () => {
    const cacheDir = path.join(inputs.dir, 'cache-count');
    const env = { AVCM_FFMPEG: countingFfmpeg };
    const first = await convertVideo(inputs.mp4, VIDEO, { cacheDir, env });
    expect(await runs()).toBe(1);
    const second = await convertVideo(inputs.mp4, VIDEO, { cacheDir, env });
    expect(second).toEqual({ file: first.file, cached: true });
    expect(await runs()).toBe(1);
    // Same content under another name: still a hit (keyed by content, not path).
    const copy = path.join(inputs.dir, 'copy.mp4');
    await writeFile(copy, await readFile(inputs.mp4));
    expect((await convertVideo(copy, VIDEO, { cacheDir, env })).cached).toBe(true);
    expect(await runs()).toBe(1);
    // Other settings: a new conversion.
    const other = await convertVideo(inputs.mp4, { ...VIDEO, bitrateKbps: 200 }, { cacheDir, env });
    expect(other.cached).toBe(false);
    expect(other.file).not.toBe(first.file);
    expect(await runs()).toBe(2);
  });

  it('is E_FFMPEG_MISSING with an install hint when ffmpeg is not there', async () => {
    const cacheDir = path.join(inputs.dir, 'cache-missing');
    await expect(convertVideo(inputs.mp4, VIDEO, { cacheDir, env: { AVCM_FFMPEG: '/nonexistent/ffmpeg' } })).rejects.toMatchObject({
      code: 'E_FFMPEG_MISSING',
      message: expect.stringContaining('/nonexistent/ffmpeg'),
      hint: expect.stringMatching(/apt-get install ffmpeg/),
    });
    await expect(convertAudio(inputs.mp4, { ptimeMs: 20, bitrateKbps: 32 }, { cacheDir, env: { AVCM_FFMPEG: '/nonexistent/ffmpeg' } })).rejects.toMatchObject({ code: 'E_FFMPEG_MISSING' });
  });

  it('is E_MEDIA with ffmpeg\'s own reason for an input that is not media, and leaves no file behind', async () => {
    const cacheDir = path.join(inputs.dir, 'cache-bad');
    const notes = path.join(inputs.dir, 'notes.txt');
    await writeFile(notes, 'these are meeting notes, not a video\n');
    await expect(convertVideo(notes, VIDEO, { cacheDir })).rejects.toMatchObject({ code: 'E_MEDIA', message: expect.stringMatching(/ffmpeg could not convert .*notes\.txt \(exit \d+\):\n {2}.*Invalid data/s) });
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('is E_MEDIA for an input that does not exist, or lacks the stream asked for', async () => {
    await expect(convertVideo(path.join(inputs.dir, 'nope.mp4'), VIDEO, { cacheDir: path.join(inputs.dir, 'c') })).rejects.toMatchObject({ code: 'E_MEDIA', message: expect.stringMatching(/does not exist/) });
    await expect(convertVideo(inputs.ogg, VIDEO, { cacheDir: path.join(inputs.dir, 'c') })).rejects.toMatchObject({ code: 'E_MEDIA' });
  });
});

describe('convertAudio', () => {
  it('makes 48 kHz Ogg/Opus with the asked frame duration and channels', async () => {
    const cacheDir = path.join(inputs.dir, 'cache-audio');
    const stereo = await convertAudio(inputs.mp4, { ptimeMs: 20, bitrateKbps: 32 }, { cacheDir });
    const s = readOggOpus(await readFile(stereo.file));
    expect(s.channels).toBe(2);
    expect(s.packets.length).toBeGreaterThanOrEqual(99);
    expect(s.packets.every((p) => opusPacketDurationMs(p) === 20)).toBe(true);
    const mono40 = await convertAudio(inputs.mp4, { ptimeMs: 40, bitrateKbps: 24, channels: 1 }, { cacheDir });
    const m = readOggOpus(await readFile(mono40.file));
    expect(m.channels).toBe(1);
    expect(opusPacketDurationMs(m.packets[5])).toBe(40);
    expect((await convertAudio(inputs.mp4, { ptimeMs: 40, bitrateKbps: 24, channels: 1 }, { cacheDir })).cached).toBe(true);
  });
});

describe('mediaCacheDir', () => {
  it('prefers AVCM_CACHE_DIR, then XDG_CACHE_HOME', () => {
    expect(mediaCacheDir({ AVCM_CACHE_DIR: '/x/y' })).toBe('/x/y');
    expect(mediaCacheDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/avcm/media');
    expect(mediaCacheDir({})).toMatch(/\.cache\/avcm\/media$/);
  });
});
