import { describe, expect, it } from 'vitest';
import { activeSpikesAt, createParticipantChaos, DROP, ParticipantChaos } from '../../../src/chaos/index.js';
import { AvcmError } from '../../../src/errors/index.js';
import type { PlannedSpike } from '../../../src/plan/types.js';
import { binomialTolerance, chaosFor, spike } from './spike-fixture.js';

function lossDecisions(chaos: ParticipantChaos, n: number): boolean[] {
  return Array.from({ length: n }, (_, i) => chaos.processPacket(1, i) === DROP);
}

describe('createParticipantChaos / ParticipantChaos', () => {
  it('is null when no spike targets the participant (the engine fast path)', () => {
    const s = spike('rtp_packet_loss', { lossPercent: 50 }, { participantIds: [2, 3] });
    expect(createParticipantChaos([], 1)).toBeNull();
    expect(createParticipantChaos([s], 1)).toBeNull();
    expect(createParticipantChaos([s], 3)).toBeInstanceOf(ParticipantChaos);
  });

  it('with no active stage, packets and frames pass unchanged', () => {
    const chaos = chaosFor([spike('network_jitter', { jitterStdDevMs: 10 }, { startMs: 5000, endMs: 6000 })]);
    expect(chaos.processPacket(1200, 10)).toBe(10);
    expect(chaos.planVideoFrame(7, 8000, false, 10)).toBe(7);
  });

  it('overlapping spikes of the same type chain: two 50% losses lose 75%', () => {
    const chaos = chaosFor([
      spike('rtp_packet_loss', { lossPercent: 50 }, { id: '0.0', seed: 1 }),
      spike('rtp_packet_loss', { lossPercent: 50 }, { id: '0.1', seed: 2, startMs: 0 }),
    ]);
    const n = 100_000;
    const lost = lossDecisions(chaos, n).filter(Boolean).length;
    expect(Math.abs(lost / n - 0.75)).toBeLessThan(binomialTolerance(0.75, n));
  });

  it('frame stages chain frame_drop then bitrate_reduce: a kept frame is thinned, a skipped one stays skipped', () => {
    const chaos = chaosFor([
      spike('bitrate_reduce', { reductionPercent: 50, transitionMs: 0 }, { id: '1.0' }),
      spike('frame_drop', { dropPercent: 50 }, { id: '0.0' }),
    ]);
    const counts = new Set<number>();
    for (let i = 0; i < 1000; i++) counts.add(chaos.planVideoFrame(4, 4800, false, i * 33));
    expect([...counts].sort()).toEqual([0, 2]);
  });

  it('participants hit by the same spike draw independently, and adding a spike does not shift another spike draws', () => {
    const loss = spike('rtp_packet_loss', { lossPercent: 30 }, { participantIds: [1, 2] });
    const one = lossDecisions(chaosFor([loss], 1), 500);
    expect(lossDecisions(chaosFor([loss], 1), 500)).toEqual(one);
    expect(lossDecisions(chaosFor([loss], 2), 500)).not.toEqual(one);
    const withFrameDrop = chaosFor([loss, spike('frame_drop', { dropPercent: 50 }, { id: '1.0' })], 1);
    for (let i = 0; i < 50; i++) withFrameDrop.planVideoFrame(3, 3000, false, i);
    expect(lossDecisions(withFrameDrop, 500)).toEqual(one);
  });

  it('addSpike (live injection) takes effect from the spike start; a repeated or untargeted spike is ignored', () => {
    const chaos = chaosFor([spike('frame_drop', { dropPercent: 0 })]);
    const live: PlannedSpike = spike('rtp_packet_loss', { lossPercent: 50 }, { id: 'live.0', startMs: 500, endMs: 10_500, placedBy: 'live' });
    chaos.addSpike(live);
    expect(chaos.processPacket(1, 499)).toBe(499);
    expect(chaos.activeSpikeIds(499)).toEqual(['0.0']);
    expect(chaos.activeSpikeIds(500)).toEqual(['0.0', 'live.0']);
    chaos.addSpike(live); // e.g. a retried REST call: must not double the loss
    chaos.addSpike(spike('rtp_packet_loss', { lossPercent: 100 }, { id: 'live.1', participantIds: [2] }));
    let lost = 0;
    for (let i = 0; i < 10_000; i++) if (chaos.processPacket(1, 500 + i) === DROP) lost++;
    expect(Math.abs(lost / 10_000 - 0.5)).toBeLessThan(binomialTolerance(0.5, 10_000));
    expect(chaos.activeSpikeIds(20_000)).toEqual(['0.0']);
  });

  it('activeSpikesAt lists the spikes active at a time, in plan order', () => {
    const spikes = [
      spike('network_jitter', { jitterStdDevMs: 5 }, { id: '0.0', startMs: 0, endMs: 1000 }),
      spike('rtp_packet_loss', { lossPercent: 5 }, { id: '1.0', startMs: 500, endMs: 1500 }),
      spike('frame_drop', { dropPercent: 5 }, { id: '2.0', startMs: 2000, endMs: 3000 }),
    ];
    expect(activeSpikesAt(spikes, 0)).toEqual(['0.0']);
    expect(activeSpikesAt(spikes, 700)).toEqual(['0.0', '1.0']);
    expect(activeSpikesAt(spikes, 1000)).toEqual(['1.0']);
    expect(activeSpikesAt(spikes, 1700)).toEqual([]);
    expect(activeSpikesAt(spikes, 2999)).toEqual(['2.0']);
    expect(activeSpikesAt([], 0)).toEqual([]);
  });

  it.each([
    ['rtp_packet_loss', {}, /has no lossPercent/],
    ['rtp_packet_loss', { lossPercent: 120 }, /lossPercent must be a number in \[0, 100\], found 120/],
    ['rtp_packet_loss', { lossPercent: 10, meanBurstPackets: 0.5 }, /meanBurstPackets/],
    ['network_jitter', { jitterStdDevMs: -1 }, /jitterStdDevMs/],
    ['network_jitter', { jitterStdDevMs: Number.NaN }, /jitterStdDevMs.*NaN/],
    ['bandwidth_limit', { bandwidthKbps: 0 }, /bandwidthKbps must be a number in \(0, ∞\)/],
    ['frame_drop', { dropPercent: -5 }, /dropPercent/],
    ['bitrate_reduce', { reductionPercent: 101 }, /reductionPercent/],
  ] as const)('refuses a broken %s spike (%j) with a typed E_SCENARIO error', (type, params, message) => {
    const broken = spike(type, params, { id: '4.2' });
    let error: unknown;
    try {
      createParticipantChaos([broken], 1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AvcmError);
    expect((error as AvcmError).code).toBe('E_SCENARIO');
    expect((error as AvcmError).message).toMatch(/^spike 4\.2 /);
    expect((error as AvcmError).message).toMatch(message);
    expect((error as AvcmError).hint).toBeTruthy();
  });
});
