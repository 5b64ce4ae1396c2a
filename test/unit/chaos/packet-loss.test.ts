import { describe, expect, it } from 'vitest';
import { DROP, PacketLossStage } from '../../../src/chaos/index.js';
import { createRng } from '../../../src/plan/rng.js';
import { binomialTolerance, chaosFor, spike } from './spike-fixture.js';

/** Runs n packets 1 ms apart and returns the loss share and the mean length of runs of lost packets. */
function measure(lossPercent: number, pattern: 'random' | 'burst', meanBurstPackets: number, n: number, seed = 1234): { share: number; meanBurst: number } {
  const chaos = chaosFor([spike('rtp_packet_loss', { lossPercent, pattern, meanBurstPackets }, { seed })]);
  let lost = 0;
  let bursts = 0;
  let previousLost = false;
  for (let i = 0; i < n; i++) {
    const isLost = chaos.processPacket(1200, i) === DROP;
    if (isLost) lost++;
    if (isLost && !previousLost) bursts++;
    previousLost = isLost;
  }
  return { share: lost / n, meanBurst: bursts === 0 ? 0 : lost / bursts };
}

describe('rtp_packet_loss', () => {
  it.each([1, 5, 20, 50])('random loss of %i%% is within binomial tolerance over 200k packets', (percent) => {
    const { share } = measure(percent, 'random', 3, 200_000);
    expect(Math.abs(share - percent / 100)).toBeLessThan(binomialTolerance(percent / 100, 200_000));
  });

  it('random loss: independent packets, so runs of losses are short (mean 1 / (1 - p))', () => {
    const { meanBurst } = measure(20, 'random', 3, 200_000);
    expect(meanBurst).toBeGreaterThan(1.2);
    expect(meanBurst).toBeLessThan(1.3);
  });

  it.each([
    [10, 4],
    [5, 2],
    [30, 8],
  ])('burst (Gilbert-Elliott) at %i%% with mean_burst_packets %i: overall rate ~ p and mean burst length ~ mean_burst_packets', (percent, meanBurstPackets) => {
    const { share, meanBurst } = measure(percent, 'burst', meanBurstPackets, 400_000);
    expect(Math.abs(share - percent / 100)).toBeLessThan(0.1 * (percent / 100));
    expect(Math.abs(meanBurst - meanBurstPackets)).toBeLessThan(0.1 * meanBurstPackets);
  });

  it('burst keeps the loss rate when the bursts asked for are too short for it (80% with bursts of 3 stretches them)', () => {
    const stage = new PacketLossStage(spike('rtp_packet_loss', { lossPercent: 80, pattern: 'burst', meanBurstPackets: 3 }), createRng(1));
    expect(stage.meanBurstPackets).toBeCloseTo(4, 9); // p / (1 - p)
    const { share, meanBurst } = measure(80, 'burst', 3, 200_000);
    expect(Math.abs(share - 0.8)).toBeLessThan(0.01);
    expect(Math.abs(meanBurst - 4)).toBeLessThan(0.2);
  });

  it('0% never drops and 100% always drops, in both patterns', () => {
    for (const pattern of ['random', 'burst'] as const) {
      expect(measure(0, pattern, 3, 10_000).share).toBe(0);
      expect(measure(100, pattern, 3, 10_000).share).toBe(1);
    }
  });

  it('is inactive outside [start, end): packets pass unchanged before and from the end on', () => {
    const chaos = chaosFor([spike('rtp_packet_loss', { lossPercent: 100, pattern: 'random' }, { startMs: 1000, endMs: 2000 })]);
    expect(chaos.processPacket(100, 0)).toBe(0);
    expect(chaos.processPacket(100, 999.9)).toBe(999.9);
    expect(chaos.processPacket(100, 1000)).toBe(DROP);
    expect(chaos.processPacket(100, 1999.9)).toBe(DROP);
    expect(chaos.processPacket(100, 2000)).toBe(2000);
  });

  it('is deterministic: the same seed gives identical decisions, another seed or participant differs', () => {
    const decisions = (seed: number, participantId = 1): boolean[] => {
      const chaos = chaosFor([spike('rtp_packet_loss', { lossPercent: 30, pattern: 'burst' }, { seed, participantIds: [1, 2] })], participantId);
      return Array.from({ length: 500 }, (_, i) => chaos.processPacket(1, i) === DROP);
    };
    expect(decisions(7)).toEqual(decisions(7));
    expect(decisions(7)).not.toEqual(decisions(8));
    expect(decisions(7, 1)).not.toEqual(decisions(7, 2));
  });
});
