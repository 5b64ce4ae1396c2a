import { describe, expect, it } from 'vitest';
import { binomialTolerance, chaosFor, spike } from './spike-fixture.js';

describe('frame_drop (encoder side)', () => {
  it.each([10, 30, 70])('skips ~%i%% of the non-key frames (binomial tolerance), never a keyframe, and frames are all or nothing', (percent) => {
    const chaos = chaosFor([spike('frame_drop', { dropPercent: percent })]);
    const n = 60_000;
    let skipped = 0;
    let nonKey = 0;
    let keyframesKept = 0;
    let partial = 0;
    for (let i = 0; i < n; i++) {
      const keyframe = i % 60 === 0;
      const emit = chaos.planVideoFrame(5, 5000, keyframe, i * 33);
      if (keyframe) {
        if (emit === 5) keyframesKept++;
        continue;
      }
      nonKey++;
      if (emit === 0) skipped++;
      else if (emit !== 5) partial++;
    }
    expect(keyframesKept).toBe(n / 60);
    expect(partial).toBe(0);
    expect(Math.abs(skipped / nonKey - percent / 100)).toBeLessThan(binomialTolerance(percent / 100, nonKey));
  });

  it('100% skips every non-key frame and still keeps the keyframes', () => {
    const chaos = chaosFor([spike('frame_drop', { dropPercent: 100 })]);
    expect(chaos.planVideoFrame(4, 4000, false, 10)).toBe(0);
    expect(chaos.planVideoFrame(9, 9000, true, 20)).toBe(9);
  });

  it('is inactive outside [start, end)', () => {
    const chaos = chaosFor([spike('frame_drop', { dropPercent: 100 }, { startMs: 100, endMs: 200 })]);
    expect(chaos.planVideoFrame(3, 3000, false, 99)).toBe(3);
    expect(chaos.planVideoFrame(3, 3000, false, 100)).toBe(0);
    expect(chaos.planVideoFrame(3, 3000, false, 200)).toBe(3);
  });

  it('is deterministic: the same seed skips the same frames, another seed differs', () => {
    const plan = (seed: number): number[] => {
      const chaos = chaosFor([spike('frame_drop', { dropPercent: 40 }, { seed })]);
      return Array.from({ length: 300 }, (_, i) => chaos.planVideoFrame(2, 2000, false, i * 33));
    };
    expect(plan(11)).toEqual(plan(11));
    expect(plan(11)).not.toEqual(plan(12));
  });
});
