import { describe, expect, it } from 'vitest';
import { createParticipantChaos, DownlinkChaos, DROP } from '../../../src/chaos/index.js';
import type { PlannedSpike } from '../../../src/plan/types.js';
import { binomialTolerance, spike } from './spike-fixture.js';

/** A downlink spike on viewers `viewerIds`, for participants 1 and 2 unless `over` says otherwise. */
function downlink(type: PlannedSpike['type'], params: PlannedSpike['params'], viewerIds: number[], over: Partial<PlannedSpike> = {}): PlannedSpike {
  return spike(type, params, { direction: 'downlink', viewerIds, participantIds: [1, 2], ...over });
}

function lossShare(chaos: DownlinkChaos, n: number, participantId = 1): number {
  let lost = 0;
  for (let i = 0; i < n; i++) if (chaos.processPacket(1200, i * 0.5, participantId) === DROP) lost++;
  return lost / n;
}

describe('DownlinkChaos: a viewer\'s link, built from the same stages as the uplink', () => {
  it('takes only downlink spikes that target its viewer; uplink chaos never takes downlink spikes', () => {
    const loss = downlink('rtp_packet_loss', { lossPercent: 30 }, [1]);
    expect(new DownlinkChaos(0, [loss]).empty).toBe(true);
    expect(new DownlinkChaos(1, [loss]).empty).toBe(false);
    expect(new DownlinkChaos(1, [spike('rtp_packet_loss', { lossPercent: 30 })]).empty).toBe(true);
    expect(createParticipantChaos([loss], 1)).toBeNull();
    const layerSwitch = spike('layer_switch', { layer: 'l' }, { viewerIds: [1], participantIds: [1] });
    expect(new DownlinkChaos(1, [layerSwitch]).empty).toBe(true);
    expect(createParticipantChaos([layerSwitch], 1)).toBeNull();
  });

  it('rtp_packet_loss on the downlink loses its share of the targeted participants\' packets, none of the others\'', () => {
    const chaos = new DownlinkChaos(0, [downlink('rtp_packet_loss', { lossPercent: 20 }, [0], { participantIds: [1] })]);
    const n = 50_000;
    expect(Math.abs(lossShare(chaos, n, 1) - 0.2)).toBeLessThan(binomialTolerance(0.2, n));
    expect(lossShare(chaos, 1000, 2)).toBe(0);
  });

  it('viewers hit by one spike draw independently, each reproducibly', () => {
    const loss = downlink('rtp_packet_loss', { lossPercent: 50 }, [0, 1]);
    const decisions = (viewer: number): string => Array.from({ length: 64 }, (_, i) => (new DownlinkChaos(viewer, [loss]).processPacket(100, i, 1) === DROP ? 1 : 0)).join('');
    const run = (viewer: number): string => {
      const chaos = new DownlinkChaos(viewer, [loss]);
      return Array.from({ length: 64 }, (_, i) => (chaos.processPacket(100, i, 1) === DROP ? 1 : 0)).join('');
    };
    expect(run(0)).toBe(run(0));
    expect(run(0)).not.toBe(run(1));
    expect(decisions(0)).toHaveLength(64);
  });

  it('a bandwidth_limit is one queue for all of the viewer\'s streams: their sum leaves at the limited rate', () => {
    const chaos = new DownlinkChaos(0, [downlink('bandwidth_limit', { bandwidthKbps: 800, queueMs: 10_000 }, [0])]);
    // Two participants each offer 800 kbit/s (100 packets of 1000 B per second each) for 2 s.
    let lastLeaveMs = 0;
    let dropped = 0;
    for (let i = 0; i < 400; i++) {
      const leave = chaos.processPacket(1000, i * 5, (i % 2) + 1);
      if (leave === DROP) dropped++;
      else lastLeaveMs = Math.max(lastLeaveMs, leave);
    }
    expect(dropped).toBe(0);
    // 400 kB at 800 kbit/s = 4 s of link time, less the 10 ms burst.
    expect(lastLeaveMs).toBeGreaterThan(3900);
    expect(lastLeaveMs).toBeLessThan(4100);
  });

  it('network_jitter holds packets; outside the spike windows packets pass at once', () => {
    const chaos = new DownlinkChaos(0, [downlink('network_jitter', { baseLatencyMs: 50, jitterStdDevMs: 0 }, [0], { startMs: 1000, endMs: 2000 })]);
    expect(chaos.mayAct(500)).toBe(false);
    expect(chaos.processPacket(100, 500, 1)).toBe(500);
    expect(chaos.mayAct(1500)).toBe(true);
    expect(chaos.processPacket(100, 1500, 1)).toBe(1550);
    expect(chaos.processPacket(100, 2500, 1)).toBe(2500);
  });

  it('frame_drop on the downlink loses whole frames at its share and never a keyframe', () => {
    const chaos = new DownlinkChaos(0, [downlink('frame_drop', { dropPercent: 40 }, [0])]);
    expect(chaos.hasFrameStages()).toBe(true);
    const n = 20_000;
    let dropped = 0;
    for (let i = 0; i < n; i++) if (chaos.dropsFrame(false, i * 33, 1)) dropped++;
    expect(Math.abs(dropped / n - 0.4)).toBeLessThan(binomialTolerance(0.4, n));
    for (let i = 0; i < 100; i++) expect(chaos.dropsFrame(true, i * 33, 1)).toBe(false);
    expect(chaos.dropsFrame(false, 10, 3)).toBe(false);
  });
});
