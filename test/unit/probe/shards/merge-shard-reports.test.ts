import { describe, expect, it } from 'vitest';
import { AvcmError } from '../../../../src/errors/index.js';
import { liveSummary, mergeShardReports, ProbeReceiver } from '../../../../src/probe/index.js';
import { mergeProbeHealth } from '../../../../src/probe/merge-probe-totals.js';
import type { ProbeReport } from '../../../../src/probe/types.js';
import { absSendTime, EXT, rtpPacket } from '../packets.js';

/** Six sources' streams over five windows, with loss, reordering, a duplicate and irregular arrival times; `source` tells whose packet it is. */
function traffic(startEpochMs: number): { source: number; packet: Buffer; arrival: number }[] {
  const out: { source: number; packet: Buffer; arrival: number }[] = [];
  for (let i = 0; i < 200; i++) {
    for (let source = 0; source < 6; source++) {
      if ((i + source) % 37 === 0) continue; // lost
      const arrival = startEpochMs + i * 24 + ((i * 7 + source * 3) % 11);
      const seq = i === 50 + source ? 51 + source : i === 51 + source ? 50 + source : i;
      const abs = absSendTime(arrival - 20);
      out.push({ source, arrival, packet: rtpPacket({ seq, ts: i * 960, ssrc: 0x10 + source, participant: 500 + source, abs, payloadBytes: 60 + source }) });
      out.push({ source, arrival: arrival + 1, packet: rtpPacket({ seq: 7000 + i, ts: Math.floor(i / 2) * 3000, ssrc: 0x20 + source, pt: 96, participant: 500 + source, marker: i % 2 === 1, abs, payloadBytes: 1000 }) });
      if (i === 90) out.push(out[out.length - 1]);
    }
  }
  return out;
}

function probe(startEpochMs: number): ProbeReceiver {
  const p = ProbeReceiver.detached({ videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, expectedDurationMs: 5000 });
  p.start(startEpochMs);
  return p;
}

describe('mergeShardReports', () => {
  it('gives exactly the report one probe makes of the same packets (streams concatenated, counters summed)', () => {
    const start = 1_700_000_000_000;
    const whole = probe(start);
    const shards = [probe(start), probe(start)];
    for (const { source, packet, arrival } of traffic(start)) {
      whole.ingest(packet, packet.length, arrival);
      shards[source % 3 === 0 ? 0 : 1].ingest(packet, packet.length, arrival);
    }
    const garbage = Buffer.from([1, 2, 3]);
    whole.ingest(garbage, 3, start);
    shards[1].ingest(garbage, 3, start);
    const { health: mergedHealth, ...merged } = mergeShardReports(shards.map((s) => s.report(5)), 0);
    // Health (event-loop delay, CPU) is each thread's own timing, never the same twice: compared apart below.
    const { health: _health, ...expected }: ProbeReport = { ...whole.report(5), kernelRcvbufErrors: 0 };
    expect(merged).toEqual(expected);
    expect(mergedHealth).toBeDefined();
    expect(merged.streams).toHaveLength(12);
    expect(merged.malformedPackets).toBe(1);
    expect(merged.streams.some((s) => s.totals.lost > 0 && s.totals.reordered > 0)).toBe(true);
  });

  it("sums the shards' own socket drops and feedback, and takes the machine-wide kernel counter as given (read once)", () => {
    const base: ProbeReport = { runStartEpochMs: 1, windowMs: 1000, windowCount: 3, streams: [], malformedPackets: 1, foreignPackets: 2, kernelRcvbufErrors: 50, kernelDrops: 3, io: 'batched', feedback: { rtcpSent: 10, rtcpReceived: 4, rtcpMalformed: 0, unmatchedRetransmissions: 1 } };
    const merged = mergeShardReports([base, { ...base, kernelDrops: 4, feedback: { rtcpSent: 5, rtcpReceived: 1, rtcpMalformed: 2, unmatchedRetransmissions: 0 } }], 7);
    expect(merged).toMatchObject({ malformedPackets: 2, foreignPackets: 4, kernelRcvbufErrors: 7, kernelDrops: 7, io: 'batched', feedback: { rtcpSent: 15, rtcpReceived: 5, rtcpMalformed: 2, unmatchedRetransmissions: 1 } });
    expect(mergeShardReports([base, { ...base, kernelDrops: null, feedback: null }], null)).toMatchObject({ kernelDrops: null, feedback: null, kernelRcvbufErrors: null });
  });

  it("health per window is the worst shard's: the largest lags, stalls and CPU, the sockets' drops summed", () => {
    const w = (index: number, lag: number | null, stall: number, cpu: number, drops: number | null) => ({ index, receiveLagP99Ms: lag, receiveLagMaxMs: lag === null ? null : lag * 2, eventLoopDelayP99Ms: stall, eventLoopDelayMaxMs: stall * 2, cpuPercent: cpu, kernelDrops: drops, rcvbufErrors: 5 });
    const merged = mergeProbeHealth([
      [w(0, 1, 2, 30, 0), w(1, 80, 3, 40, 2)],
      [w(0, 4, 1, 35, 1), w(1, null, 90, 38, 3), w(2, 2, 2, 20, 0)],
    ]);
    expect(merged).toEqual([w(0, 4, 2, 35, 1), { ...w(1, 80, 90, 40, 5) }, w(2, 2, 2, 20, 0)]);
    expect(mergeProbeHealth([[w(0, 1, 1, 1, null)], [w(0, 1, 1, 1, 4)]])[0].kernelDrops).toBeNull();
  });

  it('refuses a stream measured by two shards (its packets came from two sources): E_RUN naming the SSRC and the shards', () => {
    const start = 1_700_000_000_000;
    const shards = [probe(start), probe(start)];
    for (const [k, shard] of shards.entries()) {
      const packet = rtpPacket({ seq: k, ts: k * 960, ssrc: 0xabc, participant: 9 });
      shard.ingest(packet, packet.length, start + k);
    }
    const attempt = (): ProbeReport => mergeShardReports(shards.map((s) => s.report(1)), 0);
    expect(attempt).toThrow(AvcmError);
    expect(attempt).toThrow(/SSRC 2748 \(participant 9\) arrived at probe shards 0 and 1/);
    try {
      attempt();
    } catch (error) {
      expect((error as AvcmError).code).toBe('E_RUN');
      expect((error as AvcmError).hint).toMatch(/probe\.shards: 1/);
    }
  });

  it('refuses shards whose windows do not line up', () => {
    const base: ProbeReport = { runStartEpochMs: 1, windowMs: 1000, windowCount: 3, streams: [], malformedPackets: 0, foreignPackets: 0, kernelRcvbufErrors: null };
    expect(() => mergeShardReports([base, { ...base, runStartEpochMs: 2 }], null)).toThrow(/probe shard 1 measured other windows/);
  });
});

describe('liveSummary', () => {
  it("of the shards' live parts equals one probe's live() over the same packets", () => {
    const start = Date.now() - 5_500; // window 4 is the last complete one
    const whole = probe(start);
    const shards = [probe(start), probe(start)];
    for (const { source, packet, arrival } of traffic(start)) {
      whole.ingest(packet, packet.length, arrival);
      shards[source % 2].ingest(packet, packet.length, arrival);
    }
    const one = whole.live();
    const merged = liveSummary(shards.map((s) => s.liveParts()));
    expect(one.windowIndex).toBe(4);
    expect(one.packetsReceived).toBeGreaterThan(0);
    expect(merged).toMatchObject({ streams: one.streams, packetsReceived: one.packetsReceived, windowIndex: one.windowIndex, delayMs: expect.closeTo(one.delayMs!, 9), viewer: null });
    expect(merged.lossPercent).toBeCloseTo(one.lossPercent, 9);
    expect(merged.jitterMs).toBeCloseTo(one.jitterMs, 9);
    expect(merged.mos!).toBeCloseTo(one.mos!, 9);
  });
});
