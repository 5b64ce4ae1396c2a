import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/plan/index.js';
import { partitionOf, sourcePort } from '../../../src/plan/partition.js';
import { parseScenarioText, validateLoaded } from '../../../src/scenario/index.js';

function scenario(yaml: string) {
  const result = validateLoaded(parseScenarioText(yaml, 'x.yaml'));
  if (!result.scenario) throw new Error(JSON.stringify(result.problems));
  return result.scenario;
}

const SCENARIO = `version: 1
name: plan-test
duration: 5m
participants: { count: 97, first_id: 1001, video: "80%", base_port: 5000 }
spikes:
  - { type: rtp_packet_loss, count: 6, duration: { min: 5s, max: 15s }, loss_percentage: { min: 1, max: 25 }, participants: 25% }
  - { type: network_jitter, count: 3, jitter_std_dev_ms: 20, participants: 10 }
  - { type: bitrate_reduce, at: 30s, new_bitrate_kbps: 1000, participants: [1001, 1005] }
distribution: { strategy: random, min_spacing: 10s }
`;

describe('compile', () => {
  it('is a pure function: same inputs give byte-identical JSON; another seed another plan', () => {
    const s = scenario(SCENARIO);
    const a = JSON.stringify(compile(s, { seed: 1, partitions: 4 }));
    expect(JSON.stringify(compile(scenario(SCENARIO), { seed: 1, partitions: 4 }))).toBe(a);
    expect(JSON.stringify(compile(s, { seed: 2, partitions: 4 }))).not.toBe(a);
  });

  it.each([1, 2, 3, 7, 10])('partitions=%i: every participant in exactly one partition, by id modulo', (partitions) => {
    const plan = compile(scenario(SCENARIO), { seed: 5, partitions });
    expect(plan.partitions).toBe(partitions);
    expect(plan.participants.map((p) => p.id)).toEqual(Array.from({ length: 97 }, (_, i) => 1001 + i));
    for (const p of plan.participants) expect(p.partition).toBe(p.id % partitions);
    for (let part = 0; part < partitions; part++) {
      const members = plan.participants.filter((p) => p.partition === part);
      expect(members.map((p) => p.index)).toEqual(members.map((_, i) => i));
      expect(members.map((p) => p.port)).toEqual(members.map((_, i) => 5000 + part * 10000 + i));
    }
  });

  it('SSRCs are unique across the whole run; shares of video senders hold', () => {
    const plan = compile(scenario(SCENARIO), { seed: 5, partitions: 3 });
    const ssrcs = plan.participants.flatMap((p) => [p.videoSsrc, p.audioSsrc]).filter((s) => s !== null);
    expect(new Set(ssrcs).size).toBe(ssrcs.length);
    expect(plan.participants.filter((p) => p.videoSsrc !== null)).toHaveLength(78);
    expect(plan.participants.every((p) => p.audioSsrc !== null)).toBe(true);
  });

  it('spike schedule: counts, windows inside the run, drawn params within ranges, targets', () => {
    const plan = compile(scenario(SCENARIO), { seed: 5, partitions: 2 });
    expect(plan.spikes).toHaveLength(10);
    for (const spike of plan.spikes) {
      expect(spike.startMs).toBeGreaterThanOrEqual(0);
      expect(spike.endMs).toBeLessThanOrEqual(plan.durationMs);
    }
    const loss = plan.spikes.filter((s) => s.type === 'rtp_packet_loss');
    for (const s of loss) {
      expect(s.params.lossPercent).toBeGreaterThanOrEqual(1);
      expect(s.params.lossPercent).toBeLessThanOrEqual(25);
      expect(s.participantIds).toHaveLength(24);
      expect(s.endMs - s.startMs).toBeGreaterThanOrEqual(5000);
      expect(s.endMs - s.startMs).toBeLessThanOrEqual(15000);
    }
    expect(plan.spikes.filter((s) => s.type === 'network_jitter').every((s) => s.participantIds.length === 10)).toBe(true);
    const reduce = plan.spikes.find((s) => s.type === 'bitrate_reduce')!;
    expect(reduce).toMatchObject({ startMs: 30_000, placedBy: 'at', participantIds: [1001, 1005] });
    expect(reduce.params.reductionPercent).toBe(60); // 1000 of 2500 kbps
    const placed = plan.spikes.filter((s) => s.placedBy === 'distribution').map((s) => s.startMs).sort((a, b) => a - b);
    for (let i = 1; i < placed.length; i++) expect(placed[i] - placed[i - 1]).toBeGreaterThanOrEqual(10_000 - 1);
  });

  it('without base_port every participant sends from an ephemeral port (port 0 in the plan)', () => {
    const plan = compile(scenario(SCENARIO.replace(', base_port: 5000', '')), { partitions: 3 });
    expect(plan.participants.every((p) => p.port === 0)).toBe(true);
  });

  it('the default seed is derived from the name (stable without a seed)', () => {
    const a = compile(scenario(SCENARIO), { partitions: 1 });
    expect(compile(scenario(SCENARIO), { partitions: 1 }).seed).toBe(a.seed);
    expect(compile(scenario(SCENARIO.replace('plan-test', 'other')), { partitions: 1 }).seed).not.toBe(a.seed);
  });

  it('k8s: ~150 per partition up to the maximum; ports wrap only in per-pod namespaces', () => {
    const k8s = scenario(`version: 1\nname: big\nduration: 1m\nbackend: k8s\nparticipants: { count: 1500, base_port: 5000 }\n`);
    const plan = compile(k8s);
    expect(plan.partitions).toBe(10);
    const byPartition = new Map<number, number>();
    for (const p of plan.participants) byPartition.set(p.partition, (byPartition.get(p.partition) ?? 0) + 1);
    expect([...byPartition.values()]).toEqual(new Array(10).fill(150));
    expect(plan.participants.every((p) => p.port >= 5000 && p.port <= 65535)).toBe(true);
    const p0 = plan.participants.filter((p) => p.partition === 5);
    expect(p0[0].port).toBe(55000);
  });
});

describe('partition math', () => {
  it('participant_id % partitions', () => {
    expect(partitionOf(1003, 10)).toBe(3);
    expect(partitionOf(1010, 10)).toBe(0);
  });
  it('base_port + partition*10000 + index; 0 stays ephemeral', () => {
    expect(sourcePort(5000, 1, 7, true)).toBe(15007);
    expect(sourcePort(5000, 6, 0, true)).toBe(65000);
    expect(sourcePort(0, 3, 9, true)).toBe(0);
    expect(sourcePort(5000, 7, 0, false)).toBe(5000 + (70000 % 60536));
  });
});
