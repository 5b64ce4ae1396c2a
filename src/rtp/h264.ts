/**
 * H.264 RTP payloads per RFC 6184, packetization-mode 1 (non-interleaved): single NAL unit
 * packets (5.6), STAP-A aggregation (5.7.1) for the small parameter-set/SEI/AUD units, and FU-A
 * fragmentation (5.8) for units larger than the payload budget. Runs once per clip at load, so it
 * may allocate; the send path reuses the payloads it returns.
 */
import { AvcmError } from '../errors/index.js';

export const NAL_SLICE = 1;
export const NAL_IDR = 5;
export const NAL_SEI = 6;
export const NAL_SPS = 7;
export const NAL_PPS = 8;
export const NAL_AUD = 9;
export const NAL_STAP_A = 24;
export const NAL_FU_A = 28;

/** FU indicator + FU header (RFC 6184 5.8) */
const FU_HEADER_BYTES = 2;
/** STAP-A NAL header byte (RFC 6184 5.7.1) */
const STAP_HEADER_BYTES = 1;
/** Each aggregated unit is preceded by its 16-bit size (RFC 6184 5.7.1) */
const STAP_SIZE_BYTES = 2;
const MAX_STAP_UNIT_BYTES = 0xffff;

/** The NAL unit type (low 5 bits) of a NAL header byte `firstByte` (RFC 6184 1.3). */
export function nalType(firstByte: number): number {
  return firstByte & 0x1f;
}

/** True when the access unit (NAL units without start codes) holds an IDR slice (a decoder can start here). */
export function isKeyframeAccessUnit(nals: readonly Uint8Array[]): boolean {
  for (const nal of nals) if (nal.length > 0 && nalType(nal[0]) === NAL_IDR) return true;
  return false;
}

function isAggregatable(type: number): boolean {
  return type === NAL_SEI || type === NAL_SPS || type === NAL_PPS || type === NAL_AUD;
}

/**
 * Packetizes one access unit into RTP payloads of at most `maxPayloadBytes` bytes each.
 * `nals` are the unit's NAL units WITHOUT start codes, in decoding order. Consecutive small
 * SPS/PPS/SEI/AUD units are aggregated into one STAP-A, other units that fit go as single NAL
 * unit packets (the very same Buffer, not a copy), larger ones are split into FU-A fragments of
 * near-equal size. The caller sets the marker bit on the last payload (RFC 6184 5.1).
 * Throws E_MEDIA when `maxPayloadBytes` cannot hold an FU-A fragment (less than 3).
 */
export function packetizeH264AccessUnit(nals: readonly Buffer[], maxPayloadBytes: number): Buffer[] {
  if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < FU_HEADER_BYTES + 1) {
    throw new AvcmError('E_MEDIA', `H.264 payload budget of ${maxPayloadBytes} bytes is too small to packetize`, {
      hint: 'set video max payload bytes to an integer of at least 3 (1200 is the usual value)',
    });
  }
  const payloads: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = STAP_HEADER_BYTES;
  const flush = (): void => {
    if (pending.length === 1) payloads.push(pending[0]);
    else if (pending.length > 1) payloads.push(stapA(pending, pendingBytes));
    pending = [];
    pendingBytes = STAP_HEADER_BYTES;
  };
  for (const nal of nals) {
    if (nal.length === 0) continue;
    const unitBytes = STAP_SIZE_BYTES + nal.length;
    if (isAggregatable(nalType(nal[0])) && nal.length <= MAX_STAP_UNIT_BYTES && STAP_HEADER_BYTES + unitBytes <= maxPayloadBytes) {
      if (pendingBytes + unitBytes > maxPayloadBytes) flush();
      pending.push(nal);
      pendingBytes += unitBytes;
      continue;
    }
    flush();
    if (nal.length <= maxPayloadBytes) payloads.push(nal);
    else fuA(nal, maxPayloadBytes, payloads);
  }
  flush();
  return payloads;
}

/** RFC 6184 5.7.1: F = OR of the units' F bits, NRI = their maximum, type 24, then 16-bit size + unit. */
function stapA(nals: Buffer[], totalBytes: number): Buffer {
  let f = 0;
  let nri = 0;
  for (const nal of nals) {
    f |= nal[0] & 0x80;
    nri = Math.max(nri, nal[0] & 0x60);
  }
  const out = Buffer.allocUnsafe(totalBytes);
  out[0] = f | nri | NAL_STAP_A;
  let at = STAP_HEADER_BYTES;
  for (const nal of nals) {
    out.writeUInt16BE(nal.length, at);
    nal.copy(out, at + STAP_SIZE_BYTES);
    at += STAP_SIZE_BYTES + nal.length;
  }
  return out;
}

/**
 * RFC 6184 5.8: FU indicator (F | NRI | 28), FU header (S | E | R=0 | type), then a fragment of the
 * unit without its NAL header byte. Fragments are as even as the budget allows: a tiny tail packet
 * would cost a whole packet's loss exposure for a few bytes.
 */
function fuA(nal: Buffer, maxPayloadBytes: number, out: Buffer[]): void {
  const indicator = (nal[0] & 0xe0) | NAL_FU_A;
  const type = nalType(nal[0]);
  const bodyBytes = nal.length - 1;
  const budget = maxPayloadBytes - FU_HEADER_BYTES;
  const count = Math.ceil(bodyBytes / budget);
  const base = Math.floor(bodyBytes / count);
  const extra = bodyBytes % count;
  let at = 1;
  for (let i = 0; i < count; i++) {
    const len = base + (i < extra ? 1 : 0);
    const fragment = Buffer.allocUnsafe(FU_HEADER_BYTES + len);
    fragment[0] = indicator;
    fragment[1] = (i === 0 ? 0x80 : 0) | (i === count - 1 ? 0x40 : 0) | type;
    nal.copy(fragment, FU_HEADER_BYTES, at, at + len);
    at += len;
    out.push(fragment);
  }
}

const START_CODE = Buffer.from([0, 0, 0, 1]);

/**
 * Reassembles RTP payloads into Annex-B access units (00 00 00 01 before each NAL unit), for
 * conformance checks: feed the output to a decoder. An access unit completes on the marker bit or
 * when the RTP timestamp changes (its marker packet was lost). Handles single NAL unit, STAP-A
 * and FU-A payloads; an FU-A unit missing its start or end is dropped, and every dropped or
 * unsupported payload is counted in `errors`. Payloads are copied, so the caller may reuse its
 * receive buffer. Not for the hot path (allocates per access unit).
 */
export class H264Depacketizer {
  /** Payloads or NAL units dropped: FU-A without start or end, unsupported types, bad STAP-A sizes. */
  errors = 0;
  private units: Buffer[] = [];
  private fragments: Buffer[] = [];
  private fragmentType = -1;
  private timestamp = -1;

  /**
   * Adds one RTP payload with its packet's marker bit and RTP timestamp. Returns the completed
   * access unit in Annex-B form, or null when none completed. If a timestamp change completes the
   * previous unit and this packet's marker completes its own, both are returned back to back.
   */
  push(payload: Uint8Array, marker: boolean, timestamp: number): Buffer | null {
    let finished: Buffer | null = null;
    if (this.timestamp !== -1 && timestamp !== this.timestamp) finished = this.take();
    this.timestamp = timestamp;
    this.add(Buffer.from(payload));
    if (!marker) return finished;
    const unit = this.take();
    if (finished === null) return unit;
    return unit === null ? finished : Buffer.concat([finished, unit]);
  }

  private add(payload: Buffer): void {
    if (payload.length === 0) {
      this.errors++;
      return;
    }
    const type = nalType(payload[0]);
    if (type >= 1 && type <= 23) this.units.push(payload);
    else if (type === NAL_STAP_A) this.addStapA(payload);
    else if (type === NAL_FU_A) this.addFuA(payload);
    else this.errors++; // STAP-B, MTAP, FU-B: not in packetization-mode 1
  }

  private addStapA(payload: Buffer): void {
    let at = STAP_HEADER_BYTES;
    while (at + STAP_SIZE_BYTES <= payload.length) {
      const size = payload.readUInt16BE(at);
      const start = at + STAP_SIZE_BYTES;
      if (size === 0 || start + size > payload.length) {
        this.errors++;
        return;
      }
      this.units.push(payload.subarray(start, start + size));
      at = start + size;
    }
  }

  private addFuA(payload: Buffer): void {
    if (payload.length < FU_HEADER_BYTES + 1) {
      this.errors++;
      return;
    }
    const start = (payload[1] & 0x80) !== 0;
    const end = (payload[1] & 0x40) !== 0;
    const type = nalType(payload[1]);
    if (start) {
      if (this.fragmentType !== -1) this.errors++; // the previous unit never ended
      this.fragments = [Buffer.from([(payload[0] & 0xe0) | type])];
      this.fragmentType = type;
    } else if (this.fragmentType === -1 || type !== this.fragmentType) {
      this.errors++;
      this.dropFragments();
      return;
    }
    this.fragments.push(payload.subarray(FU_HEADER_BYTES));
    if (end) {
      this.units.push(Buffer.concat(this.fragments));
      this.fragments = [];
      this.fragmentType = -1;
    }
  }

  private dropFragments(): void {
    this.fragments = [];
    this.fragmentType = -1;
  }

  /** Ends the current access unit: Annex-B bytes, or null when nothing survived. */
  private take(): Buffer | null {
    if (this.fragmentType !== -1) {
      this.errors++;
      this.dropFragments();
    }
    if (this.units.length === 0) return null;
    const parts: Buffer[] = [];
    for (const unit of this.units) parts.push(START_CODE, unit);
    this.units = [];
    return Buffer.concat(parts);
  }
}

/** `classifyH264Payload` flag: the payload carries (part of) an IDR slice. */
export const PAYLOAD_IDR = 1;
/** `classifyH264Payload` flag: the payload carries (part of) a coded slice (IDR or not). */
export const PAYLOAD_SLICE = 2;
/** `classifyH264Payload` flag: a slice with nal_ref_idc != 0 (other frames may reference it). */
export const PAYLOAD_REFERENCE = 4;
/** `classifyH264Payload` flag: the payload carries a sequence parameter set (it leads a keyframe). */
export const PAYLOAD_SPS = 8;

function sliceFlags(nalHeader: number, type: number): number {
  if (type === NAL_SPS) return PAYLOAD_SPS;
  if (type !== NAL_SLICE && type !== NAL_IDR) return 0;
  let flags = PAYLOAD_SLICE;
  if (type === NAL_IDR) flags |= PAYLOAD_IDR;
  if ((nalHeader & 0x60) !== 0) flags |= PAYLOAD_REFERENCE;
  return flags;
}

/**
 * What an RFC 6184 payload at `buf[offset..offset+length)` carries, as PAYLOAD_* flags: single
 * NAL unit, every unit of a STAP-A, or the unit an FU-A fragment belongs to (its type is in every
 * fragment, so a receiver knows a frame is a keyframe from any packet of it). Never throws,
 * allocates nothing; a truncated STAP-A yields the units before the damage.
 */
export function classifyH264Payload(buf: Uint8Array, offset: number, length: number): number {
  if (length < 1) return 0;
  const header = buf[offset];
  const type = header & 0x1f;
  if (type >= 1 && type <= 23) return sliceFlags(header, type);
  if (type === NAL_FU_A) return length >= 2 ? sliceFlags(header, buf[offset + 1] & 0x1f) : 0;
  if (type !== NAL_STAP_A) return 0;
  let flags = 0;
  let at = offset + 1;
  const end = offset + length;
  while (at + 2 < end) {
    const size = (buf[at] << 8) | buf[at + 1];
    if (size === 0 || at + 2 + size > end) break;
    flags |= sliceFlags(buf[at + 2], buf[at + 2] & 0x1f);
    at += 2 + size;
  }
  return flags;
}
