import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { groupAccessUnits, splitAnnexB } from '../../../src/media/index.js';
import { makeInputs, type MediaInputs } from './fixtures.js';

let inputs: MediaInputs;
beforeAll(async () => {
  inputs = await makeInputs();
});

const type = (nal: Buffer): number => nal[0] & 0x1f;

describe('splitAnnexB', () => {
  it('splits 3- and 4-byte start codes into views of the input without the start codes', () => {
    const data = Buffer.from([0, 0, 0, 1, 0x67, 0xaa, 0, 0, 1, 0x68, 0xbb, 0xcc, 0, 0, 0, 1, 0x65, 0x88, 0x80, 0, 0, 1, 0x41, 0x9a]);
    const nals = splitAnnexB(data);
    expect(nals.map((n) => [...n])).toEqual([[0x67, 0xaa], [0x68, 0xbb, 0xcc], [0x65, 0x88, 0x80], [0x41, 0x9a]]);
    // Zero-copy: every unit shares the input's memory.
    for (const nal of nals) expect(nal.buffer).toBe(data.buffer);
    nals[0][1] = 0x11;
    expect(data[5]).toBe(0x11);
  });

  it('returns nothing for data without a start code, and ignores empty units', () => {
    expect(splitAnnexB(Buffer.from([1, 2, 3, 4]))).toEqual([]);
    expect(splitAnnexB(Buffer.from([0, 0, 1, 0, 0, 1, 0x09, 0xf0]))).toEqual([Buffer.from([0x09, 0xf0])]);
  });

  it('reads real ffmpeg output: no unit starts with a zero byte or holds a start code', async () => {
    const nals = splitAnnexB(await readFile(inputs.h264));
    expect(nals.length).toBeGreaterThan(60);
    expect(nals.every((n) => n[0] !== 0 && (n[0] & 0x80) === 0)).toBe(true);
    expect(nals.every((n) => n.indexOf(Buffer.from([0, 0, 1])) < 0)).toBe(true);
  });
});

describe('groupAccessUnits', () => {
  const aud = Buffer.from([0x09, 0xf0]);
  const sps = Buffer.from([0x67, 0x42]);
  const pps = Buffer.from([0x68, 0xce]);
  const idr = (firstMb0: boolean): Buffer => Buffer.from([0x65, firstMb0 ? 0x88 : 0x40]);
  const p = (firstMb0: boolean): Buffer => Buffer.from([0x41, firstMb0 ? 0x9a : 0x20]);

  it('starts a unit at an AUD, at SPS/PPS after slices and at a first_mb_in_slice 0 slice', () => {
    const units = groupAccessUnits([aud, sps, pps, idr(true), idr(false), aud, p(true), p(false), p(true), sps, pps, idr(true)]);
    expect(units.map((u) => u.nals.map(type))).toEqual([[9, 7, 8, 5, 5], [9, 1, 1], [1], [7, 8, 5]]);
    expect(units.map((u) => u.keyframe)).toEqual([true, false, false, true]);
  });

  it('drops leading units that hold no slice', () => {
    expect(groupAccessUnits([sps, pps])).toEqual([]);
  });

  it('gives one access unit per frame of real output, keyframes at each GOP', async () => {
    const units = groupAccessUnits(splitAnnexB(await readFile(inputs.h264)));
    expect(units).toHaveLength(60);
    expect(units.flatMap((u, i) => (u.keyframe ? [i] : []))).toEqual([0, 15, 30, 45]);
  });

  it('keeps the 4 slices of a picture together (with AUDs)', async () => {
    const units = groupAccessUnits(splitAnnexB(await readFile(inputs.h264Slices)));
    expect(units).toHaveLength(30);
    for (const unit of units) {
      expect(type(unit.nals[0])).toBe(9);
      expect(unit.nals.filter((n) => type(n) === 1 || type(n) === 5)).toHaveLength(4);
    }
    expect(units.flatMap((u, i) => (u.keyframe ? [i] : []))).toEqual([0, 10, 20]);
  });
});
