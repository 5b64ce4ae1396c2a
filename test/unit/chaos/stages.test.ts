import { describe, expect, it } from 'vitest';
import { activeSpikesAt, createParticipantChaos, DROP } from '../../../src/chaos/index.js';
import type { PlannedSpike, SpikeParams, SpikeType } from '../../../src/plan/types.js';

function spike(type: SpikeType, params: SpikeParams, over: Partial<PlannedSpike> = {}): PlannedSpike {
  return { id: '0.0', entry: 0, type, startMs: 0, endMs: 1e9, params, participantIds: [1], seed: 1234, placedBy: 'at', ...over };
}

function chaos(...spikes: PlannedSpike[]) {
  const c = createParticipantChaos(spikes, 1);
  if (!c) throw new Error('no chaos');
  return c;
}

/** Binomial tolerance: 5 standard deviations of the observed share. */
function tolerance(p: number, n: number): number {
  return 5 * Math.sqrt((p * (1 - p)) / n);
}

describe('rtp_packet_loss', () => {
  it.each([1, 10, 25, 50])('random loss of %i%% is within binomial tolerance over 200k packets', (percent) => {
    const c = chaos(spike('rtp_packet_loss', { lossPercent: percent, pattern: 'random' }));
    const n = 200_000;
    let lost = 0;
    for (let i = 0; i < n; i++) if (c.processPacket(1200, i) === DROP) lost++;
    expect(Math.abs(lost / n - percent / 100)).toBeLessThan(tolerance(percent / 100, n));
  });

  it('burst (Gilbert-Elliott): overall rate near p and mean burst length near mean_burst_packets', () => {
    const c = chaos(spike('rtp_packet_loss', { lossPercent: 10, pattern: 'burst', meanBurstPackets: 4 }));
    const n = 400_000;
    let lost = 0;
    let bursts = 0;
    let previousLost = false;
    for (let i = 0; i < n; i++) {
      const isLost = c.processPacket(1200, i) === DROP;
      if (isLost) lost++;
      if (isLost && !previousLost) bursts++;
      previousLost = isLost;
    }
    expect(lost / n).toBeGreaterThan(0.09);
    expect(lost / n).toBeLessThan(0.11);
    expect(lost / bursts).toBeGreaterThan(3.6);
    expect(lost / bursts).toBeLessThan(4.4);
  });

  it('is inactive outside [start, end) and hits only targeted participants', () => {
    const s = spike('rtp_packet_loss', { lossPercent: 100, pattern: 'random' }, { startMs: 1000, endMs: 2000 });
    const c = chaos(s);
    expect(c.processPacket(100, 999)).toBe(999);
    expect(c.processPacket(100, 1000)).toBe(DROP);
    expect(c.processPacket(100, 1999.9)).toBe(DROP);
    expect(c.processPacket(100, 2000)).toBe(2000);
    expect(createParticipantChaos([s], 2)).toBeNull();
    expect(activeSpikesAt([s], 1500)).toEqual(['0.0']);
    expect(activeSpikesAt([s], 2500)).toEqual([]);
  });

  it('is deterministic per seed, and another seed differs', () => {
    const draws = (seed: number) => {
      const c = chaos(spike('rtp_packet_loss', { lossPercent: 30, pattern: 'random' }, { seed }));
      return Array.from({ length: 200 }, (_, i) => c.processPacket(1, i) === DROP);
    };
    expect(draws(7)).toEqual(draws(7));
    expect(draws(7)).not.toEqual(draws(8));
  });
});

describe('network_jitter', () => {
  it('delay is base + gaussian: mean ~ base, stddev ~ sigma, never negative, and packets reorder', () => {
    const c = chaos(spike('network_jitter', { baseLatencyMs: 100, jitterStdDevMs: 20 }));
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    let reordered = 0;
    let lastLeave = -Infinity;
    for (let i = 0; i < n; i++) {
      const now = i * 5;
      const leave = c.processPacket(1000, now);
      const delay = leave - now;
      expect(delay).toBeGreaterThanOrEqual(0);
      sum += delay;
      sumSq += delay * delay;
      if (leave < lastLeave) reordered++;
      lastLeave = Math.max(lastLeave, leave);
    }
    const mean = sum / n;
    const std = Math.sqrt(sumSq / n - mean * mean);
    expect(mean).toBeGreaterThan(99.5);
    expect(mean).toBeLessThan(100.5);
    expect(std).toBeGreaterThan(19.5);
    expect(std).toBeLessThan(20.5);
    expect(reordered).toBeGreaterThan(1000);
  });

  it('clamps at zero delay when sigma dominates', () => {
    const c = chaos(spike('network_jitter', { baseLatencyMs: 0, jitterStdDevMs: 50 }));
    for (let i = 0; i < 10_000; i++) expect(c.processPacket(1, i)).toBeGreaterThanOrEqual(i);
  });
});

describe('bandwidth_limit (token bucket, bounded queue, tail drop)', () => {
  it('2x the rate for 10 s leaves at the limit (+-2%), drops the excess, and never queues beyond queueMs', () => {
    const c = chaos(spike('bandwidth_limit', { bandwidthKbps: 1000, queueMs: 200 }));
    const bytes = 1250; // 10 kbit
    const intervalMs = 5; // 2000 kbit/s offered
    let sentBits = 0;
    let dropped = 0;
    let maxWait = 0;
    let lastLeave = 0;
    for (let now = 0; now < 10_000; now += intervalMs) {
      const leave = c.processPacket(bytes, now);
      if (leave === DROP) {
        dropped++;
        continue;
      }
      maxWait = Math.max(maxWait, leave - now);
      sentBits += bytes * 8;
      lastLeave = leave;
    }
    const rateKbps = sentBits / lastLeave;
    expect(rateKbps).toBeGreaterThan(980);
    expect(rateKbps).toBeLessThan(1020);
    expect(dropped).toBeGreaterThan(900);
    expect(maxWait).toBeLessThanOrEqual(200);
  });

  it('under the limit adds no delay', () => {
    const c = chaos(spike('bandwidth_limit', { bandwidthKbps: 5000, queueMs: 200 }));
    for (let now = 0; now < 5000; now += 10) expect(c.processPacket(1200, now)).toBe(now); // 960 kbit/s
  });
});

describe('frame_drop and bitrate_reduce (encoder side, no sequence gaps)', () => {
  it('frame_drop skips ~p of the frames and never a keyframe', () => {
    const c = chaos(spike('frame_drop', { dropPercent: 30 }));
    let skipped = 0;
    const n = 30_000;
    for (let i = 0; i < n; i++) {
      const keyframe = i % 60 === 0;
      const emit = c.planVideoFrame(5, 5000, keyframe, i * 33);
      if (keyframe) expect(emit).toBe(5);
      else if (emit === 0) skipped++;
      else expect(emit).toBe(5);
    }
    const share = skipped / (n - n / 60);
    expect(Math.abs(share - 0.3)).toBeLessThan(tolerance(0.3, n));
  });

  it('bitrate_reduce emits ~(1 - r) of the bytes after the ramp, keeps keyframes, and ramps monotonically', () => {
    const s = spike('bitrate_reduce', { reductionPercent: 40, transitionMs: 2000 }, { startMs: 0, endMs: 20_000 });
    const c = chaos(s);
    let emitted = 0;
    let offered = 0;
    let previous = Infinity;
    for (let t = 0; t < 2000; t += 100) {
      const e = c.planVideoFrame(10, 10_000, false, t);
      expect(e).toBeLessThanOrEqual(previous);
      previous = e;
    }
    for (let t = 2000; t < 18_000; t += 33) {
      emitted += c.planVideoFrame(10, 10_000, false, t);
      offered += 10;
      emitted += c.planVideoFrame(1, 1000, false, t) * 10;
      offered += 10;
    }
    expect(emitted / offered).toBeGreaterThan(0.57);
    expect(emitted / offered).toBeLessThan(0.63);
    expect(c.planVideoFrame(10, 10_000, true, 5000)).toBe(10);
  });

  it('chains: a frame skipped by frame_drop is not thinned again; inactive stages pass everything', () => {
    const c = chaos(spike('frame_drop', { dropPercent: 100 }, { startMs: 0, endMs: 100 }), spike('bitrate_reduce', { reductionPercent: 50, transitionMs: 0 }, { id: '1.0', startMs: 100, endMs: 200 }));
    expect(c.planVideoFrame(4, 1, false, 50)).toBe(0);
    expect(c.planVideoFrame(4, 1, false, 150)).toBe(2);
    expect(c.planVideoFrame(4, 1, false, 250)).toBe(4);
  });

  it('a live spike added later takes effect at its start', () => {
    const c = chaos(spike('frame_drop', { dropPercent: 0 }));
    c.addSpike(spike('rtp_packet_loss', { lossPercent: 100, pattern: 'random' }, { id: 'live.0', startMs: 500, endMs: 600 }));
    expect(c.processPacket(1, 400)).toBe(400);
    expect(c.processPacket(1, 550)).toBe(DROP);
    expect(c.activeSpikeIds(550)).toContain('live.0');
  });
});
