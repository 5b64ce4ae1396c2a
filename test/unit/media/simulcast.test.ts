import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkAlignedLayers, loadMediaLibrary, mediaSummary, type VideoTrack } from '../../../src/media/index.js';
import type { VideoPlan } from '../../../src/plan/types.js';
import { makeInputs, type MediaInputs } from './fixtures.js';

let inputs: MediaInputs;
beforeAll(async () => {
  inputs = await makeInputs();
});

const SHIPPED_LAYERS = [
  { rid: 'h', width: 1280, height: 720, bitrateKbps: 2500 },
  { rid: 'm', width: 640, height: 360, bitrateKbps: 600 },
  { rid: 'l', width: 320, height: 180, bitrateKbps: 150 },
];
// What `media.video.simulcast: true` compiles to.
const VIDEO: VideoPlan = { file: null, fps: 30, bitrateKbps: 2500, width: 1280, height: 720, keyframeIntervalFrames: 60, payloadType: 96, rtxPayloadType: 97, clockRateHz: 90000, maxPayloadBytes: 1200, simulcast: SHIPPED_LAYERS };
const NO_FFMPEG = { AVCM_FFMPEG: '/nonexistent/ffmpeg' };

/** Width and height of an Annex-B file as ffprobe reads them (independent of avcm). */
function probeSize(file: string): string {
  const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0:s=x', file], { encoding: 'utf8' });
  expect(probe.status, probe.stderr).toBe(0);
  return probe.stdout.trim();
}

const keyframesOf = (track: VideoTrack): number[] => track.frames.flatMap((f, i) => (f.keyframe ? [i] : []));

describe('simulcast media', () => {
  it('the shipped layers load without ffmpeg: three sizes and rates, the same 300 frames, keyframes at the same indices', async () => {
    const lib = await loadMediaLibrary({ video: VIDEO, audio: null }, { baseDir: inputs.dir, env: NO_FFMPEG });
    const layers = lib.videoLayers!;
    expect(layers).toHaveLength(3);
    expect(lib.video).toBe(layers[0]);
    expect(lib.source.videoLayers!.map((f) => path.basename(f))).toEqual(['talk.h264', 'talk-640x360.h264', 'talk-320x180.h264']);
    expect(lib.source.video).toBe(lib.source.videoLayers![0]);
    for (const layer of layers) {
      expect(layer.frames).toHaveLength(300);
      expect(keyframesOf(layer)).toEqual([0, 60, 120, 180, 240]);
      expect(layer.timestampStep).toBe(3000);
    }
    expect(lib.source.videoLayers!.map(probeSize)).toEqual(['1280x720', '640x360', '320x180']);
    const kbps = layers.map((track) => mediaSummary({ video: track, audio: null }).video!.kbps);
    // Each layer near its target (the encoder's rate control, 10 s of test pattern).
    SHIPPED_LAYERS.forEach((layer, i) => {
      expect(kbps[i]).toBeGreaterThan(layer.bitrateKbps * 0.7);
      expect(kbps[i]).toBeLessThan(layer.bitrateKbps * 1.3);
    });
  });

  it('a layer at other settings is converted from the clip with ffmpeg (cached); without ffmpeg the error says why', async () => {
    const video = { ...VIDEO, simulcast: [SHIPPED_LAYERS[1], { rid: 'x', width: 480, height: 270, bitrateKbps: 300 }] };
    await expect(loadMediaLibrary({ video, audio: null }, { baseDir: inputs.dir, env: NO_FFMPEG })).rejects.toMatchObject({
      code: 'E_FFMPEG_MISSING',
      message: expect.stringMatching(/simulcast layers 1280x720 @ 2500 kbps, 640x360 @ 600 kbps, 320x180 @ 150 kbps/),
    });
    const cacheDir = path.join(inputs.dir, 'sim-cache');
    const lib = await loadMediaLibrary({ video, audio: null }, { baseDir: inputs.dir, cacheDir });
    expect(path.basename(lib.source.videoLayers![0])).toBe('talk-640x360.h264');
    expect(lib.source.videoLayers![1]).toMatch(/sim-cache/);
    expect(probeSize(lib.source.videoLayers![1])).toBe('480x270');
    expect(keyframesOf(lib.videoLayers![1])).toEqual(keyframesOf(lib.videoLayers![0]));
    // Cached: a second load converts nothing (it works without ffmpeg now).
    const again = await loadMediaLibrary({ video, audio: null }, { baseDir: inputs.dir, cacheDir, env: NO_FFMPEG });
    expect(again.source.videoLayers).toEqual(lib.source.videoLayers);
  });

  it("a scenario's own file is converted once per layer with the same keyframe grid", async () => {
    const video: VideoPlan = { ...VIDEO, file: 'in.mp4', keyframeIntervalFrames: 15, simulcast: [{ rid: 'a', width: 320, height: 240, bitrateKbps: 400 }, { rid: 'b', width: 160, height: 120, bitrateKbps: 100 }] };
    const lib = await loadMediaLibrary({ video, audio: null }, { baseDir: inputs.dir, cacheDir: path.join(inputs.dir, 'own-cache') });
    expect(lib.source.videoLayers!.map(probeSize)).toEqual(['320x240', '160x120']);
    expect(lib.videoLayers![0].frames).toHaveLength(60);
    expect(keyframesOf(lib.videoLayers![1])).toEqual([0, 15, 30, 45]);
    expect(keyframesOf(lib.videoLayers![0])).toEqual([0, 15, 30, 45]);
  });

  it('layers whose frames or keyframes differ are refused with both files named', () => {
    const track = (frames: boolean[]): VideoTrack => ({ frames: frames.map((keyframe) => ({ payloads: [], keyframe, bytes: 0 })), fps: 30, timestampStep: 3000, bytesPerLoop: 0 });
    expect(() => checkAlignedLayers([track([true, false, true]), track([true, false, true])], ['a', 'b'])).not.toThrow();
    expect(() => checkAlignedLayers([track([true, false, true]), track([true, true, false])], ['a.h264', 'b.h264'])).toThrow(/not aligned: b\.h264 has 3 frames with keyframes at \[0,1\], a\.h264 has 3 with keyframes at \[0,2\]/);
    expect(() => checkAlignedLayers([track([true, false]), track([true, false, false])], ['a', 'b'])).toThrow(/not aligned: b has 3 frames/);
  });
});
