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

  it('reaching the layer the viewer subscribed to is the SFU settling, not a switch; a change after it is one', () => {
    // alice asks for the middle layer; the SFU forwards the top one until the middle one's keyframe.
    const { scenario, plan } = planOf(YAML.replace('[{ name: alice }]', '[{ name: alice, layer: m }]')); // its layer_switch to l still runs from 4 s to 8 s
    const result = (changes: { atMs: number; layer: number }[]) => {
      const stream: StreamReport = { ...syntheticStream(plan.participants[0].id, 'video', 0x1234, 12), layers: { frames: [[], [], []], bytes: [[], [], []], changes, moreChanges: 0 } };
      return buildRunResult({ plan, assertions: scenario.assertions, file: 's.yaml', probe: probeReport([stream], 12), target: 'x', startedAt: NOW, finishedAt: NOW, packetsSent: 0, restarts: [] });
    };
    expect(result([{ atMs: 50, layer: 2 }, { atMs: 400, layer: 1 }]).streams[0].whole.layer_switches).toBe(0);
    expect(result([{ atMs: 50, layer: 2 }, { atMs: 400, layer: 1 }, { atMs: 4_600, layer: 0 }]).streams[0].whole.layer_switches).toBe(1);
    // Never on the middle layer: every change is a switch.
    expect(result([{ atMs: 50, layer: 2 }, { atMs: 4_600, layer: 0 }]).streams[0].whole.layer_switches).toBe(1);
  });

  it('streams without layer information have neither figure', () => {
    const { plan } = planOf(YAML);
    const r = buildRunResult({ plan, assertions: [], file: 's.yaml', probe: probeReport([syntheticStream(plan.participants[0].id, 'video', 0x1234, 12)], 12), target: 'x', startedAt: NOW, finishedAt: NOW, packetsSent: 0, restarts: [] });
    expect(r.streams[0].whole.layer_switches).toBeNull();
    expect(r.streams[0].whole.layer_switch_ms).toBeNull();
  });

  it('a layers: block measures each layer over the windows in which the stream mostly received it', () => {
    const yaml = YAML.replace('assertions:\n', 'assertions:\n  layer: ["max < 0.5"]\n  layers:\n    l: { layer: ["max < 0.5"] }\n    h: { layer: ["min > 1.5"] }\n');
    const { scenario, plan } = planOf(yaml);
    // 30 frames a window: the top layer (2) except windows 4..7 on the lowest (0).
    const low = Array.from({ length: 12 }, (_, w) => (w >= 4 && w < 8 ? 30 : 0));
    const top = low.map((n) => 30 - n);
    const stream: StreamReport = { ...syntheticStream(plan.participants[0].id, 'video', 0x1234, 12), layers: { frames: [low, low.map(() => 0), top], bytes: [low, low, top], changes: [{ atMs: 0, layer: 2 }, { atMs: 4_000, layer: 0 }, { atMs: 8_000, layer: 2 }], moreChanges: 0 } };
    const r = buildRunResult({ plan, assertions: scenario.assertions, file: 's.yaml', probe: probeReport([stream], 12), target: 'x', startedAt: NOW, finishedAt: NOW, packetsSent: 0, restarts: [] });
    expect(r.streams[0].layers!.l.whole.layer).toBe(0);
    expect(r.streams[0].layers!.h.whole.layer).toBe(2);
    expect(r.streams[0].layers!.m.whole.layer).toBeNull();
    const byName = new Map(r.assertions.map((a) => [a.name, a]));
    // Over the whole run the mean layer is (8 x 2) / 12: the whole-run assertion fails, the per-layer ones pass.
    expect(byName.get('layer max < 0.5')!.passed).toBe(false);
    expect(byName.get('layer l layer max < 0.5')!).toMatchObject({ passed: true, measured: 0 });
    expect(byName.get('layer h layer min > 1.5')!).toMatchObject({ passed: true, measured: 2 });
  });
});
