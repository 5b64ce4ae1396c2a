import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/plan/index.js';
import { parseScenarioText, scenarioFromText, validateLoaded } from '../../../src/scenario/index.js';

const HEAD = 'version: 1\nname: pools\nseed: 77\nduration: 10m\nparticipants: { count: 20 }\n';

function plan(yaml: string) {
  return compile(scenarioFromText(`${HEAD}${yaml}`, 'inline'), { partitions: 1, cores: 1 });
}

function problems(yaml: string): string[] {
  return validateLoaded(parseScenarioText(`${HEAD}${yaml}`, 'p.yaml')).problems.map((p) => `${p.line}:${p.column} ${p.path} ${p.message}`);
}

/** 3000 events at t=0 (an `at` entry is not spaced by the distribution), for frequencies. */
const MANY = 'count: 3000\n    at: 0s\n    duration: 1s\n';

describe('a weighted pool of spike types', () => {
  it('draws each event\'s type and parameters from the pool by weight, from the seed', () => {
    const p = plan(`spikes:\n  - ${MANY}    pool:\n      - { type: rtp_packet_loss, weight: 30, loss_percentage: { min: 1, max: 25 }, pattern: burst }\n      - { type: network_jitter, weight: 50, base_latency_ms: 10, jitter_std_dev_ms: { min: 5, max: 20 } }\n      - { type: frame_drop, weight: 20, drop_percentage: 40 }\n      - { type: bandwidth_limit, weight: 0, bandwidth_kbps: 1 }\n`);
    const share = (type: string) => p.spikes.filter((s) => s.type === type).length / p.spikes.length;
    // 5 standard deviations of a share over 3000 draws is at most 0.046.
    expect(Math.abs(share('rtp_packet_loss') - 0.3)).toBeLessThan(0.046);
    expect(Math.abs(share('network_jitter') - 0.5)).toBeLessThan(0.046);
    expect(Math.abs(share('frame_drop') - 0.2)).toBeLessThan(0.046);
    expect(share('bandwidth_limit')).toBe(0);
    const loss = p.spikes.find((s) => s.type === 'rtp_packet_loss')!;
    expect(loss.params).toMatchObject({ pattern: 'burst', meanBurstPackets: 3 });
    expect(loss.params.lossPercent!).toBeGreaterThanOrEqual(1);
    expect(p.spikes.filter((s) => s.type === 'network_jitter').every((s) => s.params.baseLatencyMs === 10 && s.params.jitterStdDevMs! >= 5 && s.params.jitterStdDevMs! <= 20)).toBe(true);
    expect(JSON.stringify(plan(`spikes:\n  - ${MANY}    pool:\n      - { type: rtp_packet_loss, weight: 30, loss_percentage: { min: 1, max: 25 }, pattern: burst }\n      - { type: network_jitter, weight: 50, base_latency_ms: 10, jitter_std_dev_ms: { min: 5, max: 20 } }\n      - { type: frame_drop, weight: 20, drop_percentage: 40 }\n      - { type: bandwidth_limit, weight: 0, bandwidth_kbps: 1 }\n`))).toBe(JSON.stringify(p));
  });

  it('leaves the plans of scenarios without pools as they were, and a pool entry does not shift the draws of the others', () => {
    const alone = plan('spikes:\n  - { type: rtp_packet_loss, count: 4, duration: { min: 5s, max: 9s }, loss_percentage: { min: 1, max: 9 }, participants: 25% }\n');
    const withPool = plan('spikes:\n  - { type: rtp_packet_loss, count: 4, duration: { min: 5s, max: 9s }, loss_percentage: { min: 1, max: 9 }, participants: 25% }\n  - { at: 1s, pool: [{ type: frame_drop, weight: 1, drop_percentage: 10 }, { type: network_jitter, weight: 1, jitter_std_dev_ms: 5 }] }\n');
    const first = (p: typeof alone) => p.spikes.filter((s) => s.entry === 0).map((s) => [s.id, s.params, s.participantIds]);
    expect(first(withPool)).toEqual(first(alone));
  });

  it('draws a ranged transition per event', () => {
    const p = plan('spikes:\n  - { type: bitrate_reduce, count: 200, at: 0s, duration: 20s, reduction_percent: 50, transition: { min: 1s, max: 5s } }\n');
    const transitions = p.spikes.map((s) => s.params.transitionMs!);
    expect(Math.min(...transitions)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...transitions)).toBeLessThanOrEqual(5000);
    expect(new Set(transitions).size).toBeGreaterThan(100);
    expect(plan('spikes:\n  - { type: bitrate_reduce, at: 0s, reduction_percent: 50 }\n').spikes[0].params.transitionMs).toBe(2000);
  });

  it('is checked like plain spikes, each entry where it is written', () => {
    expect(problems('media: { video: false }\nspikes:\n  - pool:\n      - { type: frame_drop, weight: 1, drop_percentage: 10 }\n      - { type: rtp_packet_loss, weight: 1, loss_percentage: { min: 9, max: 3 } }\n')).toEqual([
      '9:17 /spikes/0/pool/0/type frame_drop acts on video, but no participant sends video',
      '10:69 /spikes/0/pool/1/loss_percentage/min min 9 is greater than max 3',
    ]);
    expect(problems('spikes:\n  - { pool: [{ type: frame_drop, weight: 0, drop_percentage: 10 }] }\n')).toEqual(['7:13 /spikes/0/pool every weight is 0: no spike type can be drawn']);
    expect(problems('spikes:\n  - { type: frame_drop, drop_percentage: 1, pool: [{ type: frame_drop, weight: 1, drop_percentage: 10 }] }\n')).toEqual([
      '7:5 /spikes/0 expected a spike with either a type (and its parameters) or a pool of weighted types, not both',
    ]);
    expect(problems('spikes:\n  - { pool: [{ type: frame_drop, weight: 1, drop_percentag: 10 }] }\n')).toContainEqual(expect.stringMatching(/\/spikes\/0\/pool\/0\/drop_percentag unknown property "drop_percentag"; did you mean "drop_percentage"\?/));
  });
});

describe('participant selection', () => {
  it('a count range draws how many per event', () => {
    const p = plan(`spikes:\n  - { type: frame_drop, drop_percentage: 10, ${MANY.replace(/\n    /g, ', ').replace(/\n$/, '')}, participants: { min: 2, max: 5 } }\n`);
    const sizes = p.spikes.map((s) => s.participantIds.length);
    expect(new Set(sizes)).toEqual(new Set([2, 3, 4, 5]));
    expect(p.spikes.every((s) => new Set(s.participantIds).size === s.participantIds.length)).toBe(true);
  });

  it('a weighted pool picks single, multiple or all by weight (the original platform\'s participant_selection)', () => {
    const p = plan('spikes:\n  - type: frame_drop\n    drop_percentage: 10\n    count: 3000\n    at: 0s\n    duration: 1s\n    participants:\n      pool:\n        - { weight: 40, participants: 1 }\n        - { weight: 35, participants: { min: 2, max: 5 } }\n        - { weight: 25, participants: all }\n');
    const kind = (n: number) => (n === 1 ? 'single' : n === 20 ? 'all' : 'multiple');
    const share = (k: string) => p.spikes.filter((s) => kind(s.participantIds.length) === k).length / p.spikes.length;
    expect(Math.abs(share('single') - 0.4)).toBeLessThan(0.046);
    expect(Math.abs(share('multiple') - 0.35)).toBeLessThan(0.046);
    expect(Math.abs(share('all') - 0.25)).toBeLessThan(0.046);
    expect(p.spikes.filter((s) => kind(s.participantIds.length) === 'multiple').every((s) => s.participantIds.length >= 2 && s.participantIds.length <= 5)).toBe(true);
  });

  it('is checked against the participants', () => {
    expect(problems('spikes:\n  - { type: frame_drop, drop_percentage: 1, participants: { min: 5, max: 2 } }\n')).toEqual(['7:66 /spikes/0/participants/min min 5 is greater than max 2']);
    expect(problems('spikes:\n  - { type: frame_drop, drop_percentage: 1, participants: { pool: [{ weight: 1, participants: { min: 2, max: 50 } }, { weight: 1, participants: [1001, 1] }] } }\n')).toEqual([
      '7:110 /spikes/0/participants/pool/0/participants/max targets up to 50 participants but the scenario has only 20',
      '7:152 /spikes/0/participants/pool/1/participants/1 participant id 1 is outside the participants (1001..1020)',
    ]);
    expect(problems('spikes:\n  - { type: frame_drop, drop_percentage: 1, participants: { pool: [{ weight: 0, participants: 1 }] } }\n')).toEqual(['7:67 /spikes/0/participants/pool every weight is 0: no selection can be drawn']);
    expect(problems('spikes:\n  - { type: frame_drop, drop_percentage: 1, participants: { most: 3 } }\n')).toHaveLength(1);
    expect(problems('spikes:\n  - { type: frame_drop, drop_percentage: 1, participants: { most: 3 } }\n')[0]).toMatch(/\/spikes\/0\/participants expected all, a share like "25%", a count like 10, a list of participant ids, a count range \{ min, max \}, or \{ pool: \[\{ weight, participants \}\] \}/);
  });
});
