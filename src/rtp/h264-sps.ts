/**
 * The picture size an H.264 sequence parameter set declares (ITU-T H.264 7.3.2.1.1, 7.4.2.1.1):
 * what a receiver behind an SFU (which rewrites SSRCs and may strip the RID) learns about which
 * simulcast layer it gets, from the SPS that leads every keyframe. Read in place, without
 * allocating: a bit reader over the NAL unit that skips emulation prevention bytes (7.4.1).
 */
import { NAL_FU_A, NAL_SPS, NAL_STAP_A } from './h264.js';

/** Filled by `readSpsResolution` (one reused object per reader). */
export interface SpsResolution {
  width: number;
  height: number;
}

/** profile_idc values whose SPS carry chroma format, bit depths and scaling lists (7.3.2.1.1). */
function hasChromaInfo(profileIdc: number): boolean {
  switch (profileIdc) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return true;
    default:
      return false;
  }
}

/**
 * Reads the bits of one NAL unit's RBSP: `buf[start..end)` with every 0x03 that follows two zero
 * bytes skipped (emulation prevention). Past the end it reads zeros and sets `overrun`.
 */
class RbspBits {
  buf: Uint8Array = new Uint8Array(0);
  end = 0;
  private at = 0;
  private bit = 0;
  private zeros = 0;
  overrun = false;

  reset(buf: Uint8Array, start: number, end: number): void {
    this.buf = buf;
    this.end = end;
    this.at = start;
    this.bit = 0;
    this.zeros = 0;
    this.overrun = false;
  }

  /** Moves to the next RBSP byte, skipping an emulation prevention byte. */
  private nextByte(): void {
    const byte = this.buf[this.at];
    this.zeros = byte === 0 ? this.zeros + 1 : 0;
    this.at++;
    if (this.zeros >= 2 && this.at < this.end && this.buf[this.at] === 3) {
      this.at++;
      this.zeros = 0;
    }
  }

  u1(): number {
    if (this.at >= this.end) {
      this.overrun = true;
      return 0;
    }
    const value = (this.buf[this.at] >> (7 - this.bit)) & 1;
    if (++this.bit === 8) {
      this.bit = 0;
      this.nextByte();
    }
    return value;
  }

  u(bits: number): number {
    let value = 0;
    for (let i = 0; i < bits; i++) value = value * 2 + this.u1();
    return value;
  }

  /** Exp-Golomb ue(v) (9.1); at most 31 leading zeros, more is a broken stream (read as overrun). */
  ue(): number {
    let leadingZeros = 0;
    while (this.u1() === 0) {
      if (++leadingZeros > 31 || this.overrun) {
        this.overrun = true;
        return 0;
      }
    }
    return 2 ** leadingZeros - 1 + this.u(leadingZeros);
  }

  /** se(v) (9.1.1). */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -k / 2;
  }
}

/** scaling_list() (7.3.2.1.1.1): only read past, its values do not matter here. */
function skipScalingList(bits: RbspBits, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size && !bits.overrun; j++) {
    if (next !== 0) next = (last + bits.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** One reader per caller (it keeps its bit cursor between calls, never per packet). */
export class SpsReader {
  private readonly bits = new RbspBits();

  /**
   * Reads the cropped picture size of the SPS NAL unit at `buf[offset..offset+length)` (starting
   * with its NAL header) into `out`. Returns false when it is not an SPS or is cut short.
   */
  readSpsResolution(buf: Uint8Array, offset: number, length: number, out: SpsResolution): boolean {
    if (length < 4 || (buf[offset] & 0x1f) !== NAL_SPS) return false;
    const b = this.bits;
    b.reset(buf, offset + 1, offset + length);
    const profileIdc = b.u(8);
    b.u(16); // constraint flags, level_idc
    b.ue(); // seq_parameter_set_id
    let chromaFormatIdc = 1;
    let separateColourPlane = 0;
    if (hasChromaInfo(profileIdc)) {
      chromaFormatIdc = b.ue();
      if (chromaFormatIdc === 3) separateColourPlane = b.u1();
      b.ue(); // bit_depth_luma_minus8
      b.ue(); // bit_depth_chroma_minus8
      b.u1(); // qpprime_y_zero_transform_bypass_flag
      if (b.u1() === 1) {
        const lists = chromaFormatIdc !== 3 ? 8 : 12;
        for (let i = 0; i < lists; i++) if (b.u1() === 1) skipScalingList(b, i < 6 ? 16 : 64);
      }
    }
    b.ue(); // log2_max_frame_num_minus4
    const picOrderCntType = b.ue();
    if (picOrderCntType === 0) b.ue();
    else if (picOrderCntType === 1) {
      b.u1();
      b.se();
      b.se();
      const cycle = b.ue();
      for (let i = 0; i < cycle && !b.overrun; i++) b.se();
    }
    b.ue(); // max_num_ref_frames
    b.u1(); // gaps_in_frame_num_value_allowed_flag
    const widthInMbs = b.ue() + 1;
    const heightInMapUnits = b.ue() + 1;
    const frameMbsOnly = b.u1();
    if (frameMbsOnly === 0) b.u1(); // mb_adaptive_frame_field_flag
    b.u1(); // direct_8x8_inference_flag
    let cropLeft = 0;
    let cropRight = 0;
    let cropTop = 0;
    let cropBottom = 0;
    if (b.u1() === 1) {
      cropLeft = b.ue();
      cropRight = b.ue();
      cropTop = b.ue();
      cropBottom = b.ue();
    }
    if (b.overrun) return false;
    // Table 6-1: 4:2:0 halves chroma both ways, 4:2:2 horizontally only; monochrome (or separate planes) not at all.
    const chromaArrayType = separateColourPlane === 1 ? 0 : chromaFormatIdc;
    const cropUnitX = chromaArrayType === 0 ? 1 : chromaFormatIdc === 3 ? 1 : 2;
    const cropUnitY = (chromaArrayType === 0 ? 1 : chromaFormatIdc === 1 ? 2 : 1) * (2 - frameMbsOnly);
    out.width = widthInMbs * 16 - cropUnitX * (cropLeft + cropRight);
    out.height = (2 - frameMbsOnly) * heightInMapUnits * 16 - cropUnitY * (cropTop + cropBottom);
    return out.width > 0 && out.height > 0;
  }

  /**
   * The picture size of the SPS an RFC 6184 payload carries (a single NAL unit, or one of a
   * STAP-A's), read into `out`; false when the payload carries none (an SPS split over FU-A
   * fragments is not read: encoders send it whole).
   */
  readPayload(buf: Uint8Array, offset: number, length: number, out: SpsResolution): boolean {
    if (length < 1) return false;
    const type = buf[offset] & 0x1f;
    if (type === NAL_SPS) return this.readSpsResolution(buf, offset, length, out);
    if (type === NAL_FU_A || type !== NAL_STAP_A) return false;
    let at = offset + 1;
    const end = offset + length;
    while (at + 2 < end) {
      const size = (buf[at] << 8) | buf[at + 1];
      if (size === 0 || at + 2 + size > end) return false;
      if ((buf[at + 2] & 0x1f) === NAL_SPS) return this.readSpsResolution(buf, at + 2, size, out);
      at += 2 + size;
    }
    return false;
  }
}
