import { describe, expect, it } from 'vitest';
import type { StreamReport } from '../../../src/probe/types.js';
import { buildRunResult } from '../../../src/verdict/index.js';
import { planOf, probeReport, syntheticStream } from '../../helpers/results.js';

const NOW = new Date('2026-01-01T00:00:00Z');
/** A simulcast run with one layer_switch to the lowest layer from 4 s to 8 s (then back to the top one). */
const YAML = `duration: 12s
media: { video: { simulcast: true } }
participants: { count: 1, audio: false }
viewers: [{ name: alice }]
spikes:
  - { type: layer_switch, layer: l, at: 4s, duration: 4s }
assertions:
  layer_switch_ms: ["max < 1500"]
  layer_switches: ["max <= 2"]
`;

function run(changes: { atMs: number; layer: number }[]) {
  const { scenario, plan } = planOf(YAML);
  const stream: StreamReport = { ...syntheticStream(plan.participants[0].id, 'video', 0x1234, 12), layers: { frames: [[], [], []], bytes: [[], [], []], changes, moreChanges: 0 } };
  return buildRunResult({ plan, assertions: scenario.assertions, file: 's.yaml', probe: probeReport([stream], 12), target: 'x', startedAt: NOW, finishedAt: NOW, packetsSent: 0, restarts: [] });
}

describe('verdict: layer_switches and layer_switch_ms from the probe\'s layer changes and the plan\'s layer_switch spikes', () => {
  it('the time from each request (the spike\'s start, and its end: back home) to the first packet of the requested layer', () => {
    const r = run([
      { atMs: 100, layer: 2 },
      { atMs: 4_600, layer: 0 },
      { atMs: 9_000, layer: 2 },
    ]);
    expect(r.streams[0].whole.layer_switches).toBe(2);
    // (600 + 1000) / 2
    expect(r.streams[0].whole.layer_switch_ms).toBe(800);
    expect(r.assertions.every((a) => a.passed)).toBe(true);
  });

  it('a switch that never happens counts as the rest of the run, and fails the assertion', () => {
    const r = run([{ atMs: 100, layer: 2 }]);
    expect(r.streams[0].whole.layer_switches).toBe(0);
    // Requested at 4 s, never answered: 8 s to the end; the switch back at 8 s is not a switch (never left).
    expect(r.streams[0].whole.layer_switch_ms).toBe(8_000);
    expect(r.assertions.find((a) => a.metric === 'layer_switch_ms')!.passed).toBe(false);
  });

  it('streams without layer information have neither figure', () => {
    const { plan } = planOf(YAML);
    const r = buildRunResult({ plan, assertions: [], file: 's.yaml', probe: probeReport([syntheticStream(plan.participants[0].id, 'video', 0x1234, 12)], 12), target: 'x', startedAt: NOW, finishedAt: NOW, packetsSent: 0, restarts: [] });
    expect(r.streams[0].whole.layer_switches).toBeNull();
    expect(r.streams[0].whole.layer_switch_ms).toBeNull();
  });
});
