import { describe, expect, it } from 'vitest';
import { AUTO_PROBE_SHARDS_ABOVE_PARTICIPANTS, compile } from '../../../src/plan/index.js';
import { parseScenarioText, scenarioFromText, validateLoaded } from '../../../src/scenario/index.js';

const scenario = (count: number, shards?: string): string => `version: 1\nname: s\nduration: 5s\nparticipants: { count: ${count} }\n${shards === undefined ? '' : `probe: { shards: ${shards} }\n`}`;

describe('probe.shards', () => {
  it('defaults to one receiver; a number is taken as given', () => {
    expect(compile(scenarioFromText(scenario(10), 's.yaml'), { seed: 1 }).probe.shards).toBe(1);
    expect(compile(scenarioFromText(scenario(10, '3'), 's.yaml'), { seed: 1 }).probe.shards).toBe(3);
  });

  it(`auto: 2 shards above ${AUTO_PROBE_SHARDS_ABOVE_PARTICIPANTS} participants, 1 up to it`, () => {
    const at = AUTO_PROBE_SHARDS_ABOVE_PARTICIPANTS;
    expect(compile(scenarioFromText(scenario(at, 'auto'), 's.yaml'), { seed: 1 }).probe.shards).toBe(1);
    expect(compile(scenarioFromText(scenario(at + 1, 'auto'), 's.yaml'), { seed: 1 }).probe.shards).toBe(2);
  });

  it('is 1..16 or auto', () => {
    for (const bad of ['0', '17', '1.5', 'many']) {
      const problems = validateLoaded(parseScenarioText(scenario(10, bad), 'case.yaml')).problems;
      expect(problems.map((p) => p.path), bad).toContain('/probe/shards');
    }
  });
});
