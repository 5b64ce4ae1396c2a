import { describe, expect, it } from 'vitest';
import { AvcmError } from '../../../src/errors/index.js';
import { createRng } from '../../../src/plan/rng.js';
import { H264Depacketizer, isKeyframeAccessUnit, nalType, packetizeH264AccessUnit } from '../../../src/rtp/index.js';

const START = Buffer.from([0, 0, 0, 1]);
const sps = Buffer.from([0x67, 0x42, 0xc0, 0x1f, 0xda]); // NRI 3, type 7
const pps = Buffer.from([0x68, 0xce, 0x3c, 0x80]); // NRI 3, type 8
const sei = Buffer.from([0x06, 0x05, 0x01, 0xaa, 0x80]); // NRI 0, type 6
const aud = Buffer.from([0x09, 0xf0]); // NRI 0, type 9
const nal = (header: number, bytes: number, fill = 7): Buffer => Buffer.concat([Buffer.from([header]), Buffer.alloc(bytes - 1, fill)]);

/** Pushes one access unit's payloads with the marker on the last, as the sender does. */
function depacketize(d: H264Depacketizer, payloads: Buffer[], timestamp: number): Buffer | null {
  let unit: Buffer | null = null;
  payloads.forEach((p, i) => (unit = d.push(p, i === payloads.length - 1, timestamp) ?? unit));
  return unit;
}
const annexB = (nals: Buffer[]): Buffer => Buffer.concat(nals.flatMap((n) => [START, n]));

describe('RFC 6184 1.3: NAL unit header', () => {
  it('nalType reads the low 5 bits; isKeyframeAccessUnit looks for an IDR slice (type 5)', () => {
    expect(nalType(0x65)).toBe(5);
    expect(nalType(0x7c)).toBe(28);
    expect(isKeyframeAccessUnit([sps, pps, nal(0x65, 10)])).toBe(true);
    expect(isKeyframeAccessUnit([aud, nal(0x41, 10)])).toBe(false);
    expect(isKeyframeAccessUnit([Buffer.alloc(0)])).toBe(false);
  });
});

describe('RFC 6184 5.6: single NAL unit packets', () => {
  it('a unit that fits passes through as the same buffer', () => {
    const slice = nal(0x41, 1200);
    const payloads = packetizeH264AccessUnit([slice], 1200);
    expect(payloads).toHaveLength(1);
    expect(payloads[0]).toBe(slice);
  });

  it('a lone parameter set is not wrapped in a STAP-A; empty units are skipped', () => {
    expect(packetizeH264AccessUnit([Buffer.alloc(0), sps, Buffer.alloc(0)], 1200)).toEqual([sps]);
  });
});

describe('RFC 6184 5.7.1: STAP-A', () => {
  it('aggregates SPS+PPS with 16-bit sizes: F = OR of F bits, NRI = max NRI, type 24', () => {
    const payloads = packetizeH264AccessUnit([sps, pps, nal(0x41, 50)], 1200);
    expect(payloads).toHaveLength(2);
    expect(payloads[0].toString('hex')).toBe('78' + '0005' + sps.toString('hex') + '0004' + pps.toString('hex'));
  });

  it('NRI is the maximum and F the OR over the aggregated units', () => {
    const lowNri = Buffer.from([0x26, 1]); // NRI 1 SEI
    const forbidden = Buffer.from([0x86, 2]); // F=1, NRI 0 SEI
    expect(packetizeH264AccessUnit([aud, lowNri], 1200)[0][0]).toBe(0x20 | 24);
    expect(packetizeH264AccessUnit([aud, forbidden, lowNri], 1200)[0][0]).toBe(0x80 | 0x20 | 24);
    expect(packetizeH264AccessUnit([aud, sei], 1200)[0][0]).toBe(24);
  });

  it('starts a new STAP-A when the next unit would overflow the budget, each within it', () => {
    const big1 = nal(0x06, 500);
    const big2 = nal(0x06, 500);
    const payloads = packetizeH264AccessUnit([aud, sps, pps, big1, big2], 600);
    for (const p of payloads) expect(p.length).toBeLessThanOrEqual(600);
    expect(payloads).toHaveLength(2);
    expect(payloads[0].length).toBe(1 + 2 + aud.length + 2 + sps.length + 2 + pps.length + 2 + 500);
    expect(payloads[1]).toBe(big2); // a single leftover goes as a single NAL unit packet
    const d = new H264Depacketizer();
    expect(depacketize(d, payloads, 0)).toEqual(annexB([aud, sps, pps, big1, big2]));
  });

  it('only consecutive parameter/SEI/AUD units are aggregated, in order', () => {
    const slice = nal(0x41, 20);
    const payloads = packetizeH264AccessUnit([aud, sei, slice, sps, pps], 1200);
    expect(payloads.map((p) => nalType(p[0]))).toEqual([24, 1, 24]);
  });
});

describe('RFC 6184 5.8: FU-A', () => {
  const idr = nal(0x65, 3000);

  it('FU indicator carries F|NRI|28, FU header S on the first, E on the last, R = 0, original type', () => {
    const payloads = packetizeH264AccessUnit([sps, pps, idr], 1200);
    const fus = payloads.slice(1);
    expect(fus).toHaveLength(3);
    for (const fu of fus) {
      expect(fu[0]).toBe(0x60 | 28);
      expect(fu[1] & 0x20).toBe(0);
      expect(fu[1] & 0x1f).toBe(5);
    }
    expect(fus.map((f) => f[1] & 0xc0)).toEqual([0x80, 0x00, 0x40]);
    expect(Buffer.concat([idr.subarray(0, 1), ...fus.map((f) => f.subarray(2))])).toEqual(idr);
  });

  it('NRI 0 and the F bit are carried too', () => {
    const fus = packetizeH264AccessUnit([nal(0x81, 300)], 100);
    for (const fu of fus) expect(fu[0]).toBe(0x80 | 28);
    const plain = packetizeH264AccessUnit([nal(0x01, 300)], 100);
    for (const fu of plain) expect(fu[0]).toBe(28);
  });

  it('fragments are within the budget, as even as possible (no tiny tail), and reassemble byte-identical', () => {
    const rng = createRng(6184);
    const d = new H264Depacketizer();
    for (let trial = 0; trial < 300; trial++) {
      const max = rng.int(3, 1500);
      const size = rng.int(max + 1, max * 9);
      const unit = Buffer.alloc(size);
      for (let i = 0; i < size; i++) unit[i] = rng.uint32() & 0xff;
      unit[0] = (unit[0] & 0xe0) | (rng.next() < 0.5 ? 5 : 1);
      const payloads = packetizeH264AccessUnit([unit], max);
      const sizes = payloads.map((p) => p.length);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(max);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect(payloads.length).toBe(Math.ceil((size - 1) / (max - 2)));
      expect(depacketize(d, payloads, trial)).toEqual(annexB([unit]));
    }
    expect(d.errors).toBe(0);
  });

  it('a parameter set larger than the budget is fragmented, not aggregated', () => {
    const bigSps = nal(0x67, 300);
    const payloads = packetizeH264AccessUnit([bigSps, pps], 100);
    expect(payloads.slice(0, -1).every((p) => nalType(p[0]) === 28)).toBe(true);
    expect(payloads.at(-1)).toBe(pps);
  });

  it.each([2, 0, -5, 10.5, Number.NaN])('refuses a budget of %f bytes with E_MEDIA', (max) => {
    expect(() => packetizeH264AccessUnit([idr], max)).toThrow(expect.objectContaining({ code: 'E_MEDIA' }));
    expect(() => packetizeH264AccessUnit([idr], max)).toThrow(AvcmError);
  });
});

describe('H264Depacketizer', () => {
  it('reassembles STAP-A + FU-A + single NAL units into one Annex-B access unit', () => {
    const units = [aud, sps, pps, nal(0x65, 3000), nal(0x65, 80)];
    const d = new H264Depacketizer();
    expect(depacketize(d, packetizeH264AccessUnit(units, 1200), 3000)).toEqual(annexB(units));
    expect(d.errors).toBe(0);
  });

  it('completes an access unit on a timestamp change when its marker packet was lost', () => {
    const d = new H264Depacketizer();
    const a = nal(0x41, 30, 1);
    const b = nal(0x41, 30, 2);
    expect(d.push(a, false, 0)).toBeNull();
    expect(d.push(b, false, 3000)).toEqual(annexB([a]));
    expect(d.push(b, true, 3000)).toEqual(annexB([b, b]));
  });

  it('drops an FU-A unit whose end never came and counts it; the next unit is clean', () => {
    const d = new H264Depacketizer();
    const fus = packetizeH264AccessUnit([nal(0x65, 3000)], 1200);
    d.push(fus[0], false, 0);
    d.push(fus[1], false, 0);
    const next = nal(0x41, 30);
    expect(d.push(next, true, 3000)).toEqual(annexB([next]));
    expect(d.errors).toBe(1);
  });

  it('counts an FU-A that starts mid-unit (lost start) and drops it', () => {
    const d = new H264Depacketizer();
    const fus = packetizeH264AccessUnit([nal(0x65, 3000)], 1200);
    const slice = nal(0x41, 30);
    d.push(slice, false, 0);
    d.push(fus[1], false, 0);
    expect(d.push(fus[2], true, 0)).toEqual(annexB([slice]));
    expect(d.errors).toBe(2);
  });

  it('counts unsupported payload types (STAP-B 25, MTAP 26/27, FU-B 29, 0, 30, 31), empty payloads and bad STAP-A sizes', () => {
    const d = new H264Depacketizer();
    for (const type of [0, 25, 26, 27, 29, 30, 31]) d.push(Buffer.from([0x60 | type, 1, 2, 3]), false, 0);
    d.push(Buffer.alloc(0), false, 0);
    d.push(Buffer.from([0x78, 0x00, 0x09, 0x67]), false, 0); // STAP-A claiming 9 bytes, 1 there
    expect(d.push(Buffer.from([0x7c, 0x85]), true, 0)).toBeNull(); // FU-A with no data
    expect(d.errors).toBe(10);
  });

  it('copies payloads, so the caller may reuse its receive buffer', () => {
    const d = new H264Depacketizer();
    const receive = Buffer.from(nal(0x41, 20, 3));
    d.push(receive, false, 0);
    receive.fill(0xee);
    expect(d.push(Buffer.from([0x41, 1]), true, 0)).toEqual(annexB([nal(0x41, 20, 3), Buffer.from([0x41, 1])]));
  });
});
