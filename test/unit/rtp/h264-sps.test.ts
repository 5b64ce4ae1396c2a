import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAL_SPS, SpsReader, type SpsResolution } from '../../../src/rtp/index.js';

const run = promisify(execFile);
const SHIPPED = path.resolve('media/default');

/** Test-only: the first SPS NAL unit (start code removed) of an Annex-B stream. */
function firstSps(stream: Buffer): Buffer {
  for (let i = 0; i + 3 < stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1 && (stream[i + 3] & 0x1f) === NAL_SPS) {
      let end = i + 3;
      while (end + 2 < stream.length && !(stream[end] === 0 && stream[end + 1] === 0 && (stream[end + 2] === 1 || stream[end + 2] === 0))) end++;
      return stream.subarray(i + 3, end + 2 < stream.length ? end : stream.length);
    }
  }
  throw new Error('no SPS in the stream');
}

/** The independent oracle: the size ffprobe reports for the file. */
async function ffprobeSize(file: string): Promise<SpsResolution> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file]);
  const [width, height] = stdout.trim().split(',').map(Number);
  return { width, height };
}

describe('H.264 7.3.2.1.1: the picture size in a sequence parameter set, checked against ffprobe', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-rtp-sps-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each(['talk.h264', 'talk-640x360.h264', 'talk-320x180.h264'])('reads the shipped layer %s at the size ffprobe reports', async (name) => {
    const file = path.join(SHIPPED, name);
    const sps = firstSps(await readFile(file));
    const out = { width: 0, height: 0 };
    expect(new SpsReader().readSpsResolution(sps, 0, sps.length, out)).toBe(true);
    expect(out).toEqual(await ffprobeSize(file));
  });

  // Sizes that are not multiples of 16 need frame cropping; high profile carries chroma info (and
  // 4:4:4 a different crop unit); interlaced coding doubles the map units.
  it.each([
    ['baseline', '1280x720', []],
    ['high', '854x480', []],
    ['high', '322x178', []],
    ['high444', '200x120', ['-pix_fmt', 'yuv444p']],
    ['high422', '176x146', ['-pix_fmt', 'yuv422p']],
    ['main', '352x288', ['-flags', '+ilme+ildct']],
  ] as const)('reads a %s profile stream of %s (ffmpeg-encoded) at the size ffprobe reports', async (profile, size, extra) => {
    const file = path.join(dir, `${profile}-${size}.h264`);
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-frames:v', '2', ...extra, '-c:v', 'libx264', '-profile:v', profile, '-f', 'h264', file]);
    const sps = firstSps(await readFile(file));
    const out = { width: 0, height: 0 };
    expect(new SpsReader().readSpsResolution(sps, 0, sps.length, out)).toBe(true);
    expect(out).toEqual(await ffprobeSize(file));
  });

  it('RFC 6184 5.7.1: finds the SPS inside a STAP-A, refuses a slice, an FU-A and an SPS cut short', async () => {
    const sps = firstSps(await readFile(path.join(SHIPPED, 'talk-640x360.h264')));
    const pps = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
    const stap = Buffer.concat([Buffer.from([0x78, 0, pps.length]), pps, Buffer.from([sps.length >> 8, sps.length & 0xff]), sps]);
    const reader = new SpsReader();
    const out = { width: 0, height: 0 };
    expect(reader.readPayload(stap, 0, stap.length, out)).toBe(true);
    expect(out).toEqual({ width: 640, height: 360 });
    expect(reader.readPayload(Buffer.from([0x65, 0x88, 0x84]), 0, 3, out)).toBe(false);
    expect(reader.readPayload(Buffer.from([0x7c, 0x87, 0x42]), 0, 3, out)).toBe(false);
    expect(reader.readSpsResolution(sps, 0, 6, out)).toBe(false);
  });
});
