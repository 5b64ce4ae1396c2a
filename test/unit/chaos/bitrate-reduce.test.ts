import { describe, expect, it } from 'vitest';
import { BitrateReduceStage } from '../../../src/chaos/index.js';
import { chaosFor, spike } from './spike-fixture.js';

const PACKET_BYTES = 1200;

describe('bitrate_reduce (encoder side, no sequence gaps)', () => {
  it.each([
    [40, 1],
    [40, 2],
    [50, 3],
    [25, 7],
    [40, 10],
    [90, 4],
  ])('after the ramp, emits ~(1 - r) of the bytes: r = %i%%, %i-packet frames', (percent, packetCount) => {
    const chaos = chaosFor([spike('bitrate_reduce', { reductionPercent: percent, transitionMs: 2000 }, { startMs: 0, endMs: 60_000 })]);
    let emittedBytes = 0;
    let offeredBytes = 0;
    for (let nowMs = 2000; nowMs < 58_000; nowMs += 33) {
      emittedBytes += chaos.planVideoFrame(packetCount, packetCount * PACKET_BYTES, false, nowMs) * PACKET_BYTES;
      offeredBytes += packetCount * PACKET_BYTES;
    }
    expect(Math.abs(emittedBytes / offeredBytes - (1 - percent / 100))).toBeLessThan(0.005);
  });

  it('keeps the byte share across a mix of frame sizes (one error-diffusion accumulator in bytes)', () => {
    const chaos = chaosFor([spike('bitrate_reduce', { reductionPercent: 30, transitionMs: 0 })]);
    let emittedBytes = 0;
    let offeredBytes = 0;
    for (let frame = 0; frame < 3000; frame++) {
      const packetCount = 1 + (frame % 5);
      const packetBytes = packetCount === 1 ? 300 : PACKET_BYTES;
      emittedBytes += chaos.planVideoFrame(packetCount, packetCount * packetBytes, false, frame * 33) * packetBytes;
      offeredBytes += packetCount * packetBytes;
    }
    expect(Math.abs(emittedBytes / offeredBytes - 0.7)).toBeLessThan(0.005);
  });

  it('a frame keeps ceil(n (1 - r)) packets when nothing was over-sent before, and never more than n', () => {
    const chaos = chaosFor([spike('bitrate_reduce', { reductionPercent: 50, transitionMs: 0 })]);
    expect(chaos.planVideoFrame(3, 3600, false, 0)).toBe(2);
    const stage = new BitrateReduceStage(spike('bitrate_reduce', { reductionPercent: 40, transitionMs: 0 }));
    expect(stage.planFrame(10, 12_000, false, 0)).toBe(6);
    expect(stage.planFrame(10, 12_000, false, 33)).toBe(6);
    for (let i = 0; i < 1000; i++) expect(stage.planFrame(4, 4800, false, i)).toBeLessThanOrEqual(4);
  });

  it('keyframes are kept whole, even at 100%, where every other frame is skipped', () => {
    const chaos = chaosFor([spike('bitrate_reduce', { reductionPercent: 100, transitionMs: 0 })]);
    expect(chaos.planVideoFrame(12, 14_000, true, 10)).toBe(12);
    expect(chaos.planVideoFrame(5, 6000, false, 20)).toBe(0);
    expect(chaos.planVideoFrame(1, 800, false, 30)).toBe(0);
  });

  it('the reduction ramps monotonically from 0 over the first transitionMs and back to 0 over the last', () => {
    const stage = new BitrateReduceStage(spike('bitrate_reduce', { reductionPercent: 60, transitionMs: 2000 }, { startMs: 10_000, endMs: 20_000 }));
    expect(stage.reductionAt(10_000)).toBe(0);
    let previous = -1;
    for (let nowMs = 10_000; nowMs <= 12_000; nowMs += 50) {
      const r = stage.reductionAt(nowMs);
      expect(r).toBeGreaterThanOrEqual(previous);
      previous = r;
    }
    expect(stage.reductionAt(12_000)).toBeCloseTo(0.6, 12);
    expect(stage.reductionAt(15_000)).toBeCloseTo(0.6, 12);
    for (let nowMs = 18_000; nowMs < 20_000; nowMs += 50) {
      const r = stage.reductionAt(nowMs);
      expect(r).toBeLessThanOrEqual(previous);
      previous = r;
    }
    expect(stage.reductionAt(19_999)).toBeLessThan(0.001);
  });

  it('the emitted packets per frame follow the ramp: non-increasing during the transition in', () => {
    const chaos = chaosFor([spike('bitrate_reduce', { reductionPercent: 50, transitionMs: 2000 }, { startMs: 0, endMs: 20_000 })]);
    let previous = Infinity;
    for (let nowMs = 0; nowMs < 2000; nowMs += 100) {
      const emit = chaos.planVideoFrame(20, 24_000, false, nowMs);
      expect(emit).toBeLessThanOrEqual(previous);
      previous = emit;
    }
    expect(previous).toBeLessThan(12);
  });

  it('a new bitrate above the clip rate (negative reduction) sheds nothing', () => {
    const chaos = chaosFor([spike('bitrate_reduce', { reductionPercent: -20, transitionMs: 0 })]);
    for (let i = 0; i < 100; i++) expect(chaos.planVideoFrame(3, 3600, false, i * 33)).toBe(3);
  });

  it('is inactive outside [start, end)', () => {
    const chaos = chaosFor([spike('bitrate_reduce', { reductionPercent: 50, transitionMs: 0 }, { startMs: 100, endMs: 200 })]);
    expect(chaos.planVideoFrame(4, 4800, false, 99)).toBe(4);
    expect(chaos.planVideoFrame(4, 4800, false, 100)).toBe(2);
    expect(chaos.planVideoFrame(4, 4800, false, 200)).toBe(4);
  });
});
