/**
 * H.264 RTP payloads per RFC 6184, packetization-mode 1 (non-interleaved): single NAL unit
 * packets (5.6), STAP-A aggregation (5.7.1) for the small parameter-set/SEI/AUD units, and FU-A
 * fragmentation (5.8) for units larger than the payload budget. Runs once per clip at load.
 */

export const NAL_SLICE = 1;
export const NAL_IDR = 5;
export const NAL_SEI = 6;
export const NAL_SPS = 7;
export const NAL_PPS = 8;
export const NAL_AUD = 9;
export const NAL_STAP_A = 24;
export const NAL_FU_A = 28;

export function nalType(firstByte: number): number {
  return firstByte & 0x1f;
}

/** True when the access unit holds an IDR slice (a decoder can start here). */
export function isKeyframeAccessUnit(nals: readonly Uint8Array[]): boolean {
  return nals.some((nal) => nal.length > 0 && nalType(nal[0]) === NAL_IDR);
}

const AGGREGATABLE = new Set([NAL_SEI, NAL_SPS, NAL_PPS, NAL_AUD]);

/**
 * Packetizes one access unit (NAL units without start codes) into RTP payloads of at most
 * `maxPayloadBytes`. The caller sets the marker bit on the last payload (RFC 6184 5.1).
 */
export function packetizeH264AccessUnit(nals: readonly Buffer[], maxPayloadBytes: number): Buffer[] {
  const payloads: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 1; // the STAP-A NAL header
  const flush = (): void => {
    if (pending.length === 1) payloads.push(pending[0]);
    else if (pending.length > 1) payloads.push(stapA(pending));
    pending = [];
    pendingBytes = 1;
  };
  for (const nal of nals) {
    if (nal.length === 0) continue;
    if (AGGREGATABLE.has(nalType(nal[0])) && nal.length + 2 + 1 <= maxPayloadBytes) {
      if (pendingBytes + 2 + nal.length > maxPayloadBytes) flush();
      pending.push(nal);
      pendingBytes += 2 + nal.length;
      continue;
    }
    flush();
    if (nal.length <= maxPayloadBytes) payloads.push(nal);
    else payloads.push(...fuA(nal, maxPayloadBytes));
  }
  flush();
  return payloads;
}

/** RFC 6184 5.7.1: F = OR of the units' F bits, NRI = their maximum, type 24, then 16-bit size + unit. */
function stapA(nals: Buffer[]): Buffer {
  let f = 0;
  let nri = 0;
  let size = 1;
  for (const nal of nals) {
    f |= nal[0] & 0x80;
    nri = Math.max(nri, nal[0] & 0x60);
    size += 2 + nal.length;
  }
  const out = Buffer.alloc(size);
  out[0] = f | nri | NAL_STAP_A;
  let at = 1;
  for (const nal of nals) {
    out.writeUInt16BE(nal.length, at);
    nal.copy(out, at + 2);
    at += 2 + nal.length;
  }
  return out;
}

/**
 * RFC 6184 5.8: FU indicator (F | NRI | 28), FU header (S | E | R=0 | type), then a fragment of the
 * unit without its NAL header byte. Fragments are as even as the budget allows, so no tiny tail.
 */
function fuA(nal: Buffer, maxPayloadBytes: number): Buffer[] {
  const indicator = (nal[0] & 0xe0) | NAL_FU_A;
  const type = nalType(nal[0]);
  const body = nal.subarray(1);
  const budget = maxPayloadBytes - 2;
  const count = Math.ceil(body.length / budget);
  const base = Math.floor(body.length / count);
  const extra = body.length % count;
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const len = base + (i < extra ? 1 : 0);
    const fragment = Buffer.alloc(2 + len);
    fragment[0] = indicator;
    fragment[1] = (i === 0 ? 0x80 : 0) | (i === count - 1 ? 0x40 : 0) | type;
    body.copy(fragment, 2, at, at + len);
    at += len;
    out.push(fragment);
  }
  return out;
}

const START_CODE = Buffer.from([0, 0, 0, 1]);

/**
 * Reassembles RTP payloads into Annex-B access units (for conformance checks: feed the output to
 * a decoder). An access unit completes on the marker bit or when the timestamp changes; broken
 * FU-A sequences are dropped and counted in `errors`.
 */
export class H264Depacketizer {
  errors = 0;
  private units: Buffer[] = [];
  private fragments: Buffer[] = [];
  private fragmenting = false;
  private timestamp = -1;

  /** Returns a complete access unit (Annex-B) when `payload` finishes one, else null. */
  push(payload: Uint8Array, marker: boolean, timestamp: number): Buffer | null {
    let finished: Buffer | null = null;
    if (this.timestamp !== -1 && timestamp !== this.timestamp && this.units.length > 0) finished = this.take();
    this.timestamp = timestamp;
    this.add(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    if (marker) {
      const unit = this.take();
      return finished ? Buffer.concat([finished, unit]) : unit;
    }
    return finished;
  }

  private add(payload: Buffer): void {
    if (payload.length === 0) {
      this.errors++;
      return;
    }
    const type = nalType(payload[0]);
    if (type >= 1 && type <= 23) {
      this.units.push(payload);
    } else if (type === NAL_STAP_A) {
      let at = 1;
      while (at + 2 <= payload.length) {
        const size = payload.readUInt16BE(at);
        if (size === 0 || at + 2 + size > payload.length) {
          this.errors++;
          return;
        }
        this.units.push(payload.subarray(at + 2, at + 2 + size));
        at += 2 + size;
      }
    } else if (type === NAL_FU_A) {
      if (payload.length < 3) {
        this.errors++;
        return;
      }
      const start = (payload[1] & 0x80) !== 0;
      const end = (payload[1] & 0x40) !== 0;
      if (start) {
        if (this.fragmenting) this.errors++;
        this.fragments = [Buffer.from([(payload[0] & 0xe0) | (payload[1] & 0x1f)])];
        this.fragmenting = true;
      } else if (!this.fragmenting) {
        this.errors++;
        return;
      }
      this.fragments.push(payload.subarray(2));
      if (end) {
        this.units.push(Buffer.concat(this.fragments));
        this.fragments = [];
        this.fragmenting = false;
      }
    } else {
      this.errors++;
    }
  }

  private take(): Buffer {
    if (this.fragmenting) {
      this.errors++;
      this.fragments = [];
      this.fragmenting = false;
    }
    const parts: Buffer[] = [];
    for (const unit of this.units) parts.push(START_CODE, unit);
    this.units = [];
    return Buffer.concat(parts);
  }
}
