import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMediaLibrary } from '../../../src/media/index.js';
import { runCli } from '../../helpers/cli.js';
import { makeInputs, type MediaInputs } from './fixtures.js';

let inputs: MediaInputs;
beforeAll(async () => {
  inputs = await makeInputs();
});

const SMALL = ['--fps', '15', '--width', '320', '--height', '240', '--bitrate', '400kbps', '--keyframe-interval', '15', '--audio-bitrate', '32kbps'];

describe('avcm media prepare', () => {
  it('converts into the cache and says what it made, then reports the cache hit', async () => {
    const env = { ...process.env, AVCM_CACHE_DIR: path.join(inputs.dir, 'env-cache') };
    const first = await runCli(['media', 'prepare', 'in.mp4', ...SMALL], { cwd: inputs.dir, env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^video fresh {2}.*env-cache.*\.h264$/m);
    expect(first.stdout).toMatch(/30 frames \(2 keyframes\), 2\.00 s at 15 fps, 320x240, \d+ kbps, \d+ packets\/s/);
    expect(first.stdout).toMatch(/^audio fresh {2}.*\.ogg$/m);
    expect(first.stdout).toMatch(/\d+ Opus packets of 20 ms, 2\.0\d s/);
    const second = await runCli(['media', 'prepare', 'in.mp4', ...SMALL, '--json'], { cwd: inputs.dir, env });
    expect(second.code).toBe(0);
    const out = JSON.parse(second.stdout);
    expect(out).toMatchObject({ input: inputs.mp4, cacheDir: env.AVCM_CACHE_DIR, video: { cached: true, frames: 30, keyframes: 2 }, audio: { cached: true } });
  });

  it('--cache-dir, --no-audio and --ptime are honoured', async () => {
    const run = await runCli(['media', 'prepare', inputs.mp4, ...SMALL, '--no-video', '--ptime', '40ms', '--mono', '--cache-dir', 'here', '--json'], { cwd: inputs.dir });
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.video).toBeUndefined();
    expect(path.dirname(out.audio.file)).toBe(path.join(inputs.dir, 'here'));
    expect(out.audio.packetsPerSecond).toBe(25);
  });

  it('prepares exactly the files a run with the scenario defaults then uses (no ffmpeg at run time)', async () => {
    const cacheDir = path.join(inputs.dir, 'shared-cache');
    const run = await runCli(['media', 'prepare', 'in.mp4', '--fps', '15', '--width', '160', '--height', '120', '--cache-dir', cacheDir, '--json'], { cwd: inputs.dir });
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.video).toMatchObject({ cached: false, frames: 30, keyframes: 1 }); // default interval: 2 s = 30 frames at 15 fps
    // What the compiler makes of `video: { file: in.mp4, fps: 15, width: 160, height: 120 }, audio: { file: in.mp4 }`.
    const lib = await loadMediaLibrary(
      {
        video: { file: 'in.mp4', fps: 15, bitrateKbps: 2500, width: 160, height: 120, keyframeIntervalFrames: 30, payloadType: 96, rtxPayloadType: 97, clockRateHz: 90000, maxPayloadBytes: 1200 },
        audio: { file: 'in.mp4', ptimeMs: 20, bitrateKbps: 64, payloadType: 111, clockRateHz: 48000 },
      },
      { baseDir: inputs.dir, cacheDir, env: { AVCM_FFMPEG: '/nonexistent/ffmpeg' } },
    );
    expect(lib.source).toEqual({ video: out.video.file, audio: out.audio.file });
  });

  it('exits 2 on a bad option and 3 with the reason when the input is not media or ffmpeg is missing', async () => {
    expect((await runCli(['media', 'prepare', 'in.mp4', '--ptime', '25ms'], { cwd: inputs.dir })).code).toBe(2);
    await writeFile(path.join(inputs.dir, 'notes.txt'), 'not a video');
    const bad = await runCli(['media', 'prepare', 'notes.txt', '--cache-dir', 'c'], { cwd: inputs.dir });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/E_MEDIA/);
    const missing = await runCli(['media', 'prepare', 'in.mp4', '--cache-dir', 'c2'], { cwd: inputs.dir, env: { ...process.env, AVCM_FFMPEG: '/nonexistent/ffmpeg' } });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/E_FFMPEG_MISSING/);
    expect(missing.stderr).toMatch(/apt-get install ffmpeg/);
  });
});
