import { isKeyframeAccessUnit, NAL_AUD, NAL_IDR, NAL_PPS, NAL_SEI, NAL_SLICE, NAL_SPS, nalType } from '../rtp/index.js';

const START_CODE = Buffer.from([0, 0, 1]);

/** One coded picture's NAL units (no start codes), in decoding order. */
export interface AccessUnit {
  nals: Buffer[];
  keyframe: boolean;
}

/**
 * Splits an H.264 Annex-B byte stream (ITU-T H.264 Annex B) into NAL units without their 3- or
 * 4-byte start codes. Zero-copy: the units are views into `data`. Trailing zero bytes belong to
 * the next start code, not to the unit.
 */
export function splitAnnexB(data: Buffer): Buffer[] {
  const units: Buffer[] = [];
  // A 4-byte start code is a 3-byte one after a zero byte; trimZeros drops that zero from the previous unit.
  let at = data.indexOf(START_CODE);
  while (at >= 0) {
    const start = at + 3;
    const next = data.indexOf(START_CODE, start);
    const unit = trimZeros(data.subarray(start, next < 0 ? data.length : next));
    if (unit.length > 0) units.push(unit);
    at = next;
  }
  return units;
}

function trimZeros(unit: Buffer): Buffer {
  let end = unit.length;
  while (end > 0 && unit[end - 1] === 0) end--;
  return unit.subarray(0, end);
}

/** first_mb_in_slice is the first ue(v) of the slice header: its code is a single 1 bit when it is 0. */
function startsNewPicture(nal: Buffer): boolean {
  return nal.length > 1 && (nal[1] & 0x80) !== 0;
}

/**
 * Groups NAL units into access units (H.264 7.4.1.2.3): a new unit starts at an AUD, at SPS/PPS/SEI
 * after a picture's slices, or at a slice with first_mb_in_slice == 0 after slices.
 */
export function groupAccessUnits(nals: Buffer[]): AccessUnit[] {
  const units: AccessUnit[] = [];
  let current: Buffer[] = [];
  let hasSlice = false;
  const close = (): void => {
    if (current.length > 0 && hasSlice) units.push({ nals: current, keyframe: isKeyframeAccessUnit(current) });
    current = [];
    hasSlice = false;
  };
  for (const nal of nals) {
    const type = nalType(nal[0]);
    const isSlice = type === NAL_SLICE || type === NAL_IDR;
    if (type === NAL_AUD && current.length > 0) close();
    else if ((type === NAL_SPS || type === NAL_PPS || type === NAL_SEI) && hasSlice) close();
    else if (isSlice && hasSlice && startsNewPicture(nal)) close();
    current.push(nal);
    if (isSlice) hasSlice = true;
  }
  close();
  return units;
}
