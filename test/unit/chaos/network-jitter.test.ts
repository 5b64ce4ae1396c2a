import { describe, expect, it } from 'vitest';
import { chaosFor, spike } from './spike-fixture.js';

describe('network_jitter', () => {
  it('delay distribution: mean ~ base and stddev ~ sigma when base >> sigma, never a negative delay, and packets reorder', () => {
    const chaos = chaosFor([spike('network_jitter', { baseLatencyMs: 100, jitterStdDevMs: 20 })]);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    let minDelay = Infinity;
    let reordered = 0;
    let latestLeave = -Infinity;
    for (let i = 0; i < n; i++) {
      const nowMs = i * 5;
      const leaveMs = chaos.processPacket(1000, nowMs);
      const delayMs = leaveMs - nowMs;
      minDelay = Math.min(minDelay, delayMs);
      sum += delayMs;
      sumSq += delayMs * delayMs;
      if (leaveMs < latestLeave) reordered++;
      latestLeave = Math.max(latestLeave, leaveMs);
    }
    const mean = sum / n;
    const std = Math.sqrt(sumSq / n - mean * mean);
    // Standard error of the mean is 20 / sqrt(1e5) = 0.063 ms.
    expect(Math.abs(mean - 100)).toBeLessThan(0.4);
    expect(Math.abs(std - 20)).toBeLessThan(0.4);
    expect(minDelay).toBeGreaterThanOrEqual(0);
    // Packets 5 ms apart with sigma 20 ms overtake each other often.
    expect(reordered / n).toBeGreaterThan(0.1);
  });

  it('never delivers before the send time, even when sigma dominates the base', () => {
    const chaos = chaosFor([spike('network_jitter', { baseLatencyMs: 0, jitterStdDevMs: 50 })]);
    let early = 0;
    let undelayed = 0;
    for (let i = 0; i < 20_000; i++) {
      const leaveMs = chaos.processPacket(1, i);
      if (leaveMs < i) early++;
      if (leaveMs === i) undelayed++;
    }
    expect(early).toBe(0);
    expect(undelayed / 20_000).toBeGreaterThan(0.45); // half the draws are clamped to 0
  });

  it('is inactive outside [start, end)', () => {
    const chaos = chaosFor([spike('network_jitter', { baseLatencyMs: 50, jitterStdDevMs: 0 }, { startMs: 100, endMs: 200 })]);
    expect(chaos.processPacket(1, 99)).toBe(99);
    expect(chaos.processPacket(1, 100)).toBe(150);
    expect(chaos.processPacket(1, 200)).toBe(200);
  });

  it('is deterministic: the same seed gives identical delays, another seed differs', () => {
    const delays = (seed: number): number[] => {
      const chaos = chaosFor([spike('network_jitter', { baseLatencyMs: 40, jitterStdDevMs: 10 }, { seed })]);
      return Array.from({ length: 200 }, (_, i) => chaos.processPacket(1, i * 20) - i * 20);
    };
    expect(delays(3)).toEqual(delays(3));
    expect(delays(3)).not.toEqual(delays(4));
  });
});
