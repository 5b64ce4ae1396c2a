import { describe, expect, it } from 'vitest';
import { delayImpairment, E_MODEL, effectiveEquipmentImpairment, estimateMos, mosFromR, rFactor } from '../../../src/probe/index.js';

describe('ITU-T G.107 E-model', () => {
  it('the default constants follow from the G.107 Table 3 defaults', () => {
    // G.107 7.2-7.4 with SLR 8, RLR 2, STMR 15, LSTR 18, Ds 3, TELR 65, WEPL 110, T = Tr = 0,
    // qdu 1, Nc -70, Nfor -64, Ps = Pr = 35.
    const lg = Math.log10;
    const [SLR, RLR, STMR, LSTR, Ds, WEPL, Tr, Nc, Nfor, Ps, Pr, TELR, T] = [8, 2, 15, 18, 3, 110, 0, -70, -64, 35, 35, 65, 0];
    const OLR = SLR + RLR;
    const Nos = Ps - SLR - Ds - 100 + 0.004 * (Ps - OLR - Ds - 14) ** 2;
    const Pre = Pr + 10 * lg(1 + 10 ** ((10 - LSTR) / 10));
    const Nor = RLR - 121 + Pre + 0.008 * (Pre - 35) ** 2;
    const No = 10 * lg(10 ** (Nc / 10) + 10 ** (Nos / 10) + 10 ** (Nor / 10) + 10 ** ((Nfor + RLR) / 10));
    const R0 = 15 - 1.5 * (SLR + No);
    const Xolr = OLR + 0.2 * (64 + No - RLR);
    const Iolr = 20 * ((1 + (Xolr / 8) ** 8) ** (1 / 8) - Xolr / 8);
    const STMRo = -10 * lg(10 ** (-STMR / 10) + Math.exp(-T / 4) * 10 ** (-TELR / 10));
    const Ist = 12 * (1 + ((STMRo - 13) / 6) ** 8) ** (1 / 8) - 28 * (1 + ((STMRo + 1) / 19.4) ** 35) ** (1 / 35) - 13 * (1 + ((STMRo - 3) / 33) ** 13) ** (1 / 13) + 29;
    const Q = 37; // 37 - 15 log10(qdu = 1)
    const G = 1.07 + 0.258 * Q + 0.0602 * Q * Q;
    const Iq = 15 * lg(1 + 10 ** ((R0 - 100) / 15 + 46 / 8.4 - G / 9) + 10 ** (46 / 30 - G / 40));
    const Rle = 10.5 * (WEPL + 7) * (Tr + 1) ** (-1 / 4);
    const Idle = (R0 - Rle) / 2 + Math.sqrt((R0 - Rle) ** 2 / 4 + 169);
    expect(E_MODEL.R0).toBeCloseTo(R0, 2);
    expect(E_MODEL.IS).toBeCloseTo(Iolr + Ist + Iq, 2);
    expect(E_MODEL.IDLE).toBeCloseTo(Idle, 2);
  });

  it('no impairment: R = 93.2, MOS 4.41', () => {
    expect(rFactor({ oneWayDelayMs: 0, jitterMs: 0, lossPercent: 0 })).toBeCloseTo(93.2, 1);
    expect(estimateMos({ oneWayDelayMs: 0, jitterMs: 0, lossPercent: 0 })).toBeCloseTo(4.41, 2);
  });

  it('Idd (G.107 eq. 7-28) reference points', () => {
    expect(delayImpairment(100)).toBe(0);
    // Ta = 200: X = 1; 25 * (2^(1/6) - 3 (1 + 3^-6)^(1/6) + 2) = 25 * (1.122462 - 3.000686 + 2) = 3.0444
    expect(delayImpairment(200)).toBeCloseTo(3.0444, 3);
    // Ta = 400: X = 2; 25 * (65^(1/6) - 3 (1 + (2/3)^6)^(1/6) + 2) = 24.070
    expect(delayImpairment(400)).toBeCloseTo(24.07, 2);
  });

  it('Ie,eff (G.107 eq. 7-29) with Opus Ie = 0, Bpl = 25.1', () => {
    expect(effectiveEquipmentImpairment(0)).toBe(0);
    // 95 * 1 / (1 + 25.1) = 3.6398
    expect(effectiveEquipmentImpairment(1)).toBeCloseTo(3.6398, 4);
    // bursty loss hurts more: BurstR 2 -> 95 * 10 / (5 + 25.1) = 31.561
    expect(effectiveEquipmentImpairment(10, 2)).toBeCloseTo(31.561, 3);
  });

  it('R -> MOS (G.107 Annex B) and clamps', () => {
    expect(mosFromR(50)).toBeCloseTo(2.575, 9); // 1 + 1.75 + 50 * -10 * 50 * 7e-6
    expect(mosFromR(80)).toBeCloseTo(4.024, 9); // 1 + 2.8 + 80 * 20 * 20 * 7e-6
    expect(mosFromR(-5)).toBe(1);
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(100)).toBe(4.5);
    expect(mosFromR(Number.NaN)).toBe(1);
  });

  it('Ta = delay + 2 x jitter + 20 ms: 150 ms delay and 15 ms jitter = Ta 200', () => {
    // R = 93.21 - Idd(200) = 93.21 - 3.0444 = 90.1656
    expect(rFactor({ oneWayDelayMs: 150, jitterMs: 15, lossPercent: 0 })).toBeCloseTo(94.77 - 1.41 - 0.15 - 3.0444, 3);
  });

  it('loss, jitter and delay lower the MOS monotonically, within 1..4.5', () => {
    let previous = 5;
    for (const loss of [0, 1, 2, 5, 10, 20, 50, 100]) {
      const mos = estimateMos({ oneWayDelayMs: 50, jitterMs: 5, lossPercent: loss });
      expect(mos).toBeLessThan(previous);
      expect(mos).toBeGreaterThanOrEqual(1);
      previous = mos;
    }
    expect(estimateMos({ oneWayDelayMs: 400, jitterMs: 0, lossPercent: 0 })).toBeLessThan(estimateMos({ oneWayDelayMs: 100, jitterMs: 0, lossPercent: 0 }));
    expect(estimateMos({ oneWayDelayMs: 80, jitterMs: 60, lossPercent: 0 })).toBeLessThan(estimateMos({ oneWayDelayMs: 80, jitterMs: 5, lossPercent: 0 }));
    expect(estimateMos({ oneWayDelayMs: 0, jitterMs: 0, lossPercent: 100 })).toBeGreaterThanOrEqual(1);
    expect(estimateMos({ oneWayDelayMs: 1e9, jitterMs: 1e9, lossPercent: 1000 })).toBe(1);
  });
});
