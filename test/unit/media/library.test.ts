import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { groupAccessUnits, loadMediaLibrary, mediaSummary, splitAnnexB, videoTrackFromAnnexB, audioTrackFromOgg } from '../../../src/media/index.js';
import type { AudioPlan, VideoPlan } from '../../../src/plan/types.js';
import { H264Depacketizer } from '../../../src/rtp/index.js';
import { makeInputs, type MediaInputs } from './fixtures.js';

let inputs: MediaInputs;
beforeAll(async () => {
  inputs = await makeInputs();
});

// The plan the scenario defaults compile to.
const VIDEO: VideoPlan = { file: null, fps: 30, bitrateKbps: 2500, width: 1280, height: 720, keyframeIntervalFrames: 60, payloadType: 96, rtxPayloadType: 97, clockRateHz: 90000, maxPayloadBytes: 1200 };
const AUDIO: AudioPlan = { file: null, ptimeMs: 20, bitrateKbps: 64, payloadType: 111, clockRateHz: 48000 };
const NO_FFMPEG = { AVCM_FFMPEG: '/nonexistent/ffmpeg' };

const START_CODE = Buffer.from([0, 0, 0, 1]);
const annexB = (nals: Buffer[]): Buffer => Buffer.concat(nals.flatMap((n) => [START_CODE, n]));

describe('the shipped default clip', () => {
  it('loads without ffmpeg, starts at a keyframe and loops onto one', async () => {
    const lib = await loadMediaLibrary({ video: VIDEO, audio: AUDIO }, { baseDir: inputs.dir, env: NO_FFMPEG });
    const video = lib.video!;
    expect(video.frames).toHaveLength(300);
    expect(video.fps).toBe(30);
    expect(video.timestampStep).toBe(3000);
    const keyframes = video.frames.flatMap((f, i) => (f.keyframe ? [i] : []));
    expect(keyframes).toEqual([0, 60, 120, 180, 240]);
    // The frame after the last one is frame 0 again: a keyframe.
    expect(video.frames[300 % video.frames.length].keyframe).toBe(true);
    expect(video.bytesPerLoop).toBe(video.frames.reduce((s, f) => s + f.bytes, 0));
    expect(video.frames.every((f) => f.bytes === f.payloads.reduce((s, p) => s + p.length, 0))).toBe(true);
    expect(video.frames.every((f) => f.payloads.every((p) => p.length <= 1200))).toBe(true);
    expect(lib.source.video).toMatch(/media[/\\]default[/\\]talk\.h264$/);

    const audio = lib.audio!;
    expect(audio.frames).toHaveLength(501); // 10 s plus the encoder's 312-sample pre-skip
    expect(audio.ptimeMs).toBe(20);
    expect(audio.timestampStep).toBe(960);
    expect(lib.source.audio).toMatch(/media[/\\]default[/\\]talk\.ogg$/);

    const summary = mediaSummary(lib);
    expect(summary.video).toMatchObject({ frames: 300, keyframes: 5, seconds: 10 });
    expect(summary.video!.kbps).toBeGreaterThan(2000);
    expect(summary.video!.kbps).toBeLessThan(3000);
    expect(summary.video!.packetsPerSecond).toBeGreaterThan(200);
    expect(summary.audio).toMatchObject({ packets: 501, seconds: 10.02, packetsPerSecond: 50 });
    expect(summary.audio!.kbps).toBeGreaterThan(40);
    expect(summary.audio!.kbps).toBeLessThan(90);
  });

  it('its payloads depacketize back to the clip\'s access units', async () => {
    const lib = await loadMediaLibrary({ video: VIDEO, audio: null }, { baseDir: inputs.dir, env: NO_FFMPEG });
    const units = groupAccessUnits(splitAnnexB(await readFile(lib.source.video!)));
    const depacketizer = new H264Depacketizer();
    for (const index of [0, 1, 60]) {
      const frame = lib.video!.frames[index];
      let unit: Buffer | null = null;
      frame.payloads.forEach((payload, i) => (unit = depacketizer.push(payload, i === frame.payloads.length - 1, index * 3000) ?? unit));
      expect(unit).not.toBeNull();
      expect(splitAnnexB(unit!).map((n) => n.toString('hex'))).toEqual(units[index].nals.map((n) => n.toString('hex')));
    }
  });

  it('at other settings is converted from the clip with ffmpeg (cached), and without ffmpeg says why it is needed', async () => {
    await expect(loadMediaLibrary({ video: { ...VIDEO, fps: 15 }, audio: null }, { baseDir: inputs.dir, env: NO_FFMPEG })).rejects.toMatchObject({
      code: 'E_FFMPEG_MISSING',
      message: expect.stringMatching(/differ from the shipped clip's \(1280x720 @ 30 fps/),
      hint: expect.stringMatching(/install ffmpeg, or use the clip's settings/),
    });
    await expect(loadMediaLibrary({ video: null, audio: { ...AUDIO, ptimeMs: 40 } }, { baseDir: inputs.dir, env: NO_FFMPEG })).rejects.toMatchObject({ code: 'E_FFMPEG_MISSING' });
    const cacheDir = path.join(inputs.dir, 'clip-cache');
    const lib = await loadMediaLibrary({ video: { ...VIDEO, fps: 15, width: 640, height: 360, bitrateKbps: 600, keyframeIntervalFrames: 30 }, audio: { ...AUDIO, ptimeMs: 40 } }, { baseDir: inputs.dir, cacheDir });
    expect(lib.video!.fps).toBe(15);
    expect(lib.video!.frames).toHaveLength(150);
    expect(lib.video!.frames[0].keyframe).toBe(true);
    expect(lib.audio!.ptimeMs).toBe(40);
    expect(lib.source.video).toMatch(/clip-cache/);
  }, 120_000);

  it('loads nothing for a plan without media', async () => {
    expect(await loadMediaLibrary({ video: null, audio: null }, { baseDir: inputs.dir })).toEqual({ video: null, audio: null, source: { video: null, audio: null } });
  });
});

describe('a scenario file', () => {
  it('is converted (relative to baseDir), cached and packetized', async () => {
    const cacheDir = path.join(inputs.dir, 'cache');
    const video: VideoPlan = { ...VIDEO, file: 'in.mp4', fps: 15, width: 320, height: 240, bitrateKbps: 400, keyframeIntervalFrames: 15, maxPayloadBytes: 500 };
    const audio: AudioPlan = { ...AUDIO, file: 'in.mp4', bitrateKbps: 32 };
    const lib = await loadMediaLibrary({ video, audio }, { baseDir: inputs.dir, cacheDir });
    expect(path.dirname(lib.source.video!)).toBe(cacheDir);
    expect(lib.video!.frames).toHaveLength(30);
    expect(lib.video!.timestampStep).toBe(6000);
    expect(lib.video!.frames.flatMap((f, i) => (f.keyframe ? [i] : []))).toEqual([0, 15]);
    expect(lib.video!.frames.every((f) => f.payloads.every((p) => p.length <= 500))).toBe(true);
    expect(lib.audio!.frames.length).toBeGreaterThanOrEqual(99);
    // Second load: from the cache, so it works even without ffmpeg.
    const again = await loadMediaLibrary({ video, audio }, { baseDir: inputs.dir, cacheDir, env: NO_FFMPEG });
    expect(again.source).toEqual(lib.source);
  });

  it('that is missing is E_MEDIA naming the resolved path', async () => {
    await expect(loadMediaLibrary({ video: { ...VIDEO, file: 'missing.mp4' }, audio: null }, { baseDir: inputs.dir, cacheDir: path.join(inputs.dir, 'c2') })).rejects.toMatchObject({
      code: 'E_MEDIA',
      message: expect.stringContaining(path.join(inputs.dir, 'missing.mp4')),
    });
  });
});

describe('videoTrackFromAnnexB / audioTrackFromOgg', () => {
  it('drop the frames before the first keyframe, so the loop restarts on one', async () => {
    const units = groupAccessUnits(splitAnnexB(await readFile(inputs.h264)));
    const cut = annexB(units.slice(5).flatMap((u) => u.nals)); // starts mid-GOP
    const track = videoTrackFromAnnexB(cut, { fps: 30, maxPayloadBytes: 1200 }, 'cut.h264');
    expect(track.frames).toHaveLength(60 - 15);
    expect(track.frames[0].keyframe).toBe(true);
  });

  it('refuse a stream without a keyframe, and Opus packets of another ptime', async () => {
    const units = groupAccessUnits(splitAnnexB(await readFile(inputs.h264)));
    const noIdr = annexB(units.slice(1, 14).flatMap((u) => u.nals));
    expect(() => videoTrackFromAnnexB(noIdr, { fps: 30, maxPayloadBytes: 1200 }, 'p-only.h264')).toThrow(/p-only\.h264: no keyframe/);
    expect(() => audioTrackFromOgg(Buffer.from(''), { ptimeMs: 20 }, 'empty.ogg')).toThrow(/empty\.ogg: not an Ogg\/Opus stream/);
    const ogg = await readFile(inputs.ogg);
    expect(() => audioTrackFromOgg(ogg, { ptimeMs: 10 }, 'in.ogg')).toThrow(/last 20 ms but the scenario asks for ptime 10 ms/);
  });
});
