import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readOggOpus } from '../../../src/media/index.js';
import { opusPacketDurationMs } from '../../../src/rtp/index.js';
import { makeInputs, type MediaInputs } from './fixtures.js';

let inputs: MediaInputs;
let ogg: Buffer;
beforeAll(async () => {
  inputs = await makeInputs();
  ogg = await readFile(inputs.ogg);
});

/** Bit-at-a-time Ogg CRC (an independent check of the reader's table version). */
function crc(page: Buffer): number {
  let r = 0;
  for (const byte of page) {
    r ^= byte << 24;
    for (let i = 0; i < 8; i++) r = r & 0x80000000 ? ((r << 1) ^ 0x04c11db7) >>> 0 : (r << 1) >>> 0;
  }
  return r >>> 0;
}

/** One Ogg page holding `segments` (lacing values given explicitly) of `body`. */
function page(lacing: number[], body: Buffer, flags: number, sequence: number, serial = 0x1234): Buffer {
  const header = Buffer.alloc(27 + lacing.length);
  header.write('OggS', 0, 'latin1');
  header[5] = flags;
  header.writeUInt32LE(serial, 14);
  header.writeUInt32LE(sequence, 18);
  header[26] = lacing.length;
  lacing.forEach((l, i) => (header[27 + i] = l));
  const out = Buffer.concat([header, body]);
  out.writeUInt32LE(crc(out), 22);
  return out;
}

function lacingOf(length: number): number[] {
  return [...Array(Math.floor(length / 255)).fill(255), length % 255];
}

function pageOffsets(data: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = data.indexOf('OggS'); at >= 0; at = data.indexOf('OggS', at + 1)) offsets.push(at);
  return offsets;
}

const HEAD = Buffer.concat([Buffer.from('OpusHead', 'latin1'), Buffer.from([1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0])]);
const TAGS = Buffer.concat([Buffer.from('OpusTags', 'latin1'), Buffer.alloc(8)]);

describe('readOggOpus on real ffmpeg output', () => {
  it('yields one 20 ms packet per 20 ms of audio, skipping OpusHead and OpusTags', () => {
    const { packets, channels, preSkip } = readOggOpus(ogg);
    expect(packets.length).toBeGreaterThanOrEqual(99);
    expect(packets.length).toBeLessThanOrEqual(102);
    expect(channels).toBe(1); // the AAC tone is mono
    expect(preSkip).toBe(312);
    expect(packets.every((p) => opusPacketDurationMs(p) === 20)).toBe(true);
    expect(packets.some((p) => p.toString('latin1', 0, 4) === 'Opus')).toBe(false);
  });

  it('reads stereo and 60 ms files', () => {
    const file = path.join(inputs.dir, 'stereo60.ogg');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=500:duration=3', '-ac', '2', '-c:a', 'libopus', '-frame_duration', '60', file]);
    const { packets, channels } = readOggOpus(execFileSync('cat', [file]));
    expect(channels).toBe(2);
    expect(packets.length).toBeGreaterThanOrEqual(49);
    expect(packets.length).toBeLessThanOrEqual(52);
    expect(opusPacketDurationMs(packets[10])).toBe(60);
  });

  it('detects a corrupted page by its CRC and names the page offset', () => {
    const offsets = pageOffsets(ogg);
    const target = offsets[3];
    const bad = Buffer.from(ogg);
    bad[target + 40] ^= 0xff;
    expect(() => readOggOpus(bad, 'bad.ogg')).toThrow(new RegExp(`bad\\.ogg: Ogg page CRC mismatch at byte ${target}\\b`));
    try {
      readOggOpus(bad);
    } catch (error) {
      expect(error).toMatchObject({ code: 'E_MEDIA' });
    }
  });

  it('names the offset of a missing capture pattern and of a truncated page', () => {
    const offsets = pageOffsets(ogg);
    const bad = Buffer.from(ogg);
    bad.write('Xgg', offsets[2], 'latin1');
    expect(() => readOggOpus(bad)).toThrow(new RegExp(`no Ogg page at byte ${offsets[2]} `));
    expect(() => readOggOpus(ogg.subarray(0, offsets[3] - 5))).toThrow(new RegExp(`truncated Ogg page at byte ${offsets[2]} `));
  });

  it('rejects an Ogg stream that is not Opus', () => {
    const file = path.join(inputs.dir, 'vorbis.ogg');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'flac', '-f', 'ogg', file]);
    expect(() => readOggOpus(execFileSync('cat', [file]))).toThrow(/not an Ogg\/Opus stream/);
  });
});

describe('readOggOpus page mechanics', () => {
  it('joins a packet that spans pages (lacing 255 + continued flag)', () => {
    const big = Buffer.alloc(70_000);
    for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
    const small = Buffer.from([0x78, 1, 2]);
    const lacing = lacingOf(big.length); // 275 segments: more than one page holds
    const firstSegments = 255;
    const firstBytes = firstSegments * 255;
    const data = Buffer.concat([
      page([HEAD.length], HEAD, 0x02, 0),
      page([TAGS.length], TAGS, 0, 1),
      page(lacing.slice(0, firstSegments), big.subarray(0, firstBytes), 0, 2),
      page([...lacing.slice(firstSegments), small.length], Buffer.concat([big.subarray(firstBytes), small]), 0x01, 3),
    ]);
    const { packets, channels, preSkip } = readOggOpus(data);
    expect(channels).toBe(2);
    expect(preSkip).toBe(312);
    expect(packets).toHaveLength(2);
    expect(packets[0].equals(big)).toBe(true);
    expect(packets[1].equals(small)).toBe(true);
  });

  it('drops the tail of a packet whose start was lost, and the head of one never finished', () => {
    const a = Buffer.from([0x78, 0xaa]);
    const data = Buffer.concat([
      page([HEAD.length], HEAD, 0x02, 0),
      page([TAGS.length], TAGS, 0, 1),
      page([255], Buffer.alloc(255, 7), 0, 2), // unfinished: the next page is not "continued"
      page([a.length], a, 0, 3),
      page([3, a.length], Buffer.concat([Buffer.from([9, 9, 9]), a]), 0x01, 5), // continues a lost page
    ]);
    const { packets } = readOggOpus(data);
    expect(packets.map((p) => [...p])).toEqual([[0x78, 0xaa], [0x78, 0xaa]]);
  });

  it('reads only the first logical stream', () => {
    const a = Buffer.from([0x78, 0x01]);
    const data = Buffer.concat([page([HEAD.length], HEAD, 0x02, 0), page([5], Buffer.alloc(5, 1), 0x02, 0, 0x9999), page([TAGS.length], TAGS, 0, 1), page([a.length], a, 0, 2)]);
    expect(readOggOpus(data).packets).toEqual([a]);
  });
});
