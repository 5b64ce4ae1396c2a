import { describe, expect, it } from 'vitest';
import type { StreamReport } from '../../../src/probe/types.js';
import type { RunResult } from '../../../src/result/types.js';
import { buildRunResult } from '../../../src/verdict/index.js';
import { mergeRenumberedStreams } from '../../../src/verdict/merge-streams.js';
import { renderHtml, renderJson, renderJunit } from '../../../reporters/index.js';
import { planOf, probeReport, syntheticStream, withViewer } from '../../helpers/results.js';

const NOW = new Date('2026-01-01T00:00:00Z');
/** Two viewers behind an SFU; a 20 % downlink loss spike on bob only, from 4 s to 8 s. */
const YAML = `duration: 12s
participants: { count: 2, audio: false, transport: webrtc }
sfu: { kind: janus-videoroom, url: "http://127.0.0.1:8088/janus" }
viewers: [{ name: alice }, { name: bob }]
spikes:
  - { type: rtp_packet_loss, direction: downlink, viewers: [bob], at: 4s, duration: 4s, loss_percentage: 20 }
assertions:
  packet_loss_percent: ["avg < 5"]
  during_spikes:
    packet_loss_percent: ["max < 10"]
`;

function copy(stream: StreamReport, viewerName: string): StreamReport {
  return { ...stream, viewerName };
}

function run(yaml = YAML) {
  const { scenario, plan } = planOf(yaml);
  const [a, b] = plan.participants.map((p) => p.id);
  const lossy = (i: number): number => (i >= 4 && i < 8 ? 0.2 : 0);
  const streams = [
    copy(syntheticStream(a, 'video', 0x11, 12), 'alice'),
    copy(syntheticStream(b, 'video', 0x12, 12), 'alice'),
    // The SFU gives each subscription its own SSRCs; bob's link lost 20 % during the spike.
    copy(syntheticStream(a, 'video', 0x21, 12, lossy), 'bob'),
    copy(syntheticStream(b, 'video', 0x22, 12, lossy), 'bob'),
  ];
  return buildRunResult({ plan, assertions: scenario.assertions, file: 's.yaml', probe: probeReport(streams, 12), target: 'x', startedAt: NOW, finishedAt: NOW, packetsSent: 0, restarts: [] });
}

describe('verdict with several viewers', () => {
  it("each viewer's copy of a stream is a stream of its own, labelled with the viewer; a downlink spike on bob scopes only bob's copies", () => {
    const r = run();
    expect(r.streams.map((s) => [s.participantId, s.viewer])).toEqual([
      [1001, 'alice'],
      [1002, 'alice'],
      [1001, 'bob'],
      [1002, 'bob'],
    ]);
    const [alice, bob] = [r.streams.filter((s) => s.viewer === 'alice'), r.streams.filter((s) => s.viewer === 'bob')];
    for (const s of alice) {
      // No spike touched alice's link: no spike windows, the whole run is her baseline, no recovery to wait for.
      expect(s.duringSpikes.packet_loss_percent).toBeNull();
      expect(s.baseline.packet_loss_percent).toBe(0);
      expect(s.recoverySeconds).toEqual([]);
    }
    for (const s of bob) {
      expect(s.duringSpikes.packet_loss_percent).toBe(20);
      expect(s.baseline.packet_loss_percent).toBe(0);
      expect(s.recoverySeconds).toEqual([0]);
    }
  });

  it('an assertion is the worst viewer\'s: judged per viewer, the worst one stands and is named, so a clean viewer never averages a bad one away', () => {
    const r = run();
    const whole = r.assertions.find((a) => a.scope === 'whole')!;
    // Over all four streams the mean would be 6.667 / 2 = 3.333 (< 5, passed); bob's own mean is 6.667.
    expect(whole).toMatchObject({ passed: false, measured: 6.667, samples: 2 });
    expect(whole.message).toMatch(/^viewer bob \(worst of 2 viewers; alice 0\): measured 6\.667/);
    expect(whole.worst.map((w) => w.viewer)).toEqual(['bob', 'bob']);
    // During spikes only bob has windows: alice has nothing to judge there and is left out.
    const during = r.assertions.find((a) => a.scope === 'during_spikes')!;
    expect(during).toMatchObject({ passed: false, measured: 20 });
    expect(during.message).toMatch(/^viewer bob \(worst of 2 viewers; alice nothing measured\)/);
  });

  it('a gate every viewer meets passes, measured at the worst viewer', () => {
    const r = run(YAML.replace('["avg < 5"]', '["avg < 10"]').replace('["max < 10"]', '["max < 25"]'));
    expect(r.status).toBe('passed');
    expect(r.assertions.map((a) => a.measured)).toEqual([6.667, 20]);
  });

  it('streams renumbered by an SFU restart are joined per viewer, never across viewers', () => {
    const a1 = copy(syntheticStream(1001, 'video', 0x31, 4), 'alice');
    const a2 = { ...copy(syntheticStream(1001, 'video', 0x32, 8), 'alice'), firstSeenMs: 4000 };
    const b1 = copy(syntheticStream(1001, 'video', 0x41, 8), 'bob');
    const merged = mergeRenumberedStreams([a1, b1, a2]);
    expect(merged.map((m) => [m.viewerName, m.ssrcs])).toEqual([
      ['alice', [0x31, 0x32]],
      ['bob', [0x41]],
    ]);
  });
});

/**
 * Alice's downlink loses 20 % from 4 s to 8 s; bob's link is clean. `viewers:` blocks judge each
 * viewer alone: bob must be unaffected (no loss, no freezes), alice only within her looser limits.
 */
const BLOCKS = `duration: 12s
participants: { count: 2, audio: false, transport: webrtc }
sfu: { kind: janus-videoroom, url: "http://127.0.0.1:8088/janus" }
viewers: [{ name: alice }, { name: bob }]
spikes:
  - { type: rtp_packet_loss, direction: downlink, viewers: [alice], at: 4s, duration: 4s, loss_percentage: 20 }
assertions:
  packet_loss_percent: ["avg < 10"]
  viewers:
    bob: { packet_loss_percent: ["max == 0"], freeze_count: ["max == 0"] }
    alice: { packet_loss_percent: ["avg < 10"] }
  during_spikes:
    viewers:
      alice: { packet_loss_percent: ["max < 25"] }
`;

/** Two viewers' copies of two participants' video; bob's copies freeze in `bobFreezes` windows, and lose `bobLoss` throughout. */
function blocksRun(yaml = BLOCKS, bobFreezes: number[] = [], bobLoss = 0, baseline: RunResult | null = null) {
  const { scenario, plan } = planOf(yaml);
  const [a, b] = plan.participants.map((p) => p.id);
  const lossy = (i: number): number => (i >= 4 && i < 8 ? 0.2 : 0);
  const streams = [
    copy(withViewer(syntheticStream(a, 'video', 0x11, 12, lossy)), 'alice'),
    copy(withViewer(syntheticStream(b, 'video', 0x12, 12, lossy)), 'alice'),
    copy(withViewer(syntheticStream(a, 'video', 0x21, 12, () => bobLoss), 0.1, bobFreezes), 'bob'),
    copy(withViewer(syntheticStream(b, 'video', 0x22, 12, () => bobLoss), 0.1, bobFreezes), 'bob'),
  ];
  return buildRunResult({ plan, assertions: scenario.assertions, file: 's.yaml', probe: probeReport(streams, 12), target: 'x', startedAt: NOW, finishedAt: NOW, packetsSent: 0, restarts: [], baseline: baseline && { report: 'base.json', result: baseline } });
}

describe('viewers: assertion blocks in the verdict', () => {
  it("bob's block is judged on bob's streams alone: alice's impaired link never fails it", () => {
    const r = blocksRun();
    expect(r.status).toBe('passed');
    const byName = Object.fromEntries(r.assertions.map((a) => [a.name, a]));
    expect(Object.keys(byName)).toEqual([
      'packet_loss_percent avg < 10',
      'viewer bob packet_loss_percent max == 0',
      'viewer bob freeze_count max == 0',
      'viewer alice packet_loss_percent avg < 10',
      'during_spikes viewer alice packet_loss_percent max < 25',
    ]);
    // Over every stream max loss would be alice's 6.667 (whole run): bob's own is 0.
    expect(byName['viewer bob packet_loss_percent max == 0']).toMatchObject({ passed: true, measured: 0, samples: 2, viewer: 'bob' });
    expect(byName['viewer alice packet_loss_percent avg < 10']).toMatchObject({ passed: true, measured: 6.667, samples: 2, viewer: 'alice' });
    // during_spikes for alice: the windows of the spike on her downlink.
    expect(byName['during_spikes viewer alice packet_loss_percent max < 25']).toMatchObject({ passed: true, measured: 20, samples: 2, viewer: 'alice' });
    // A block's message is its viewer's own, not a worst-of-viewers verdict; the plain assertion keeps that and carries no viewer.
    expect(byName['viewer bob packet_loss_percent max == 0'].message).toMatch(/^measured 0 /);
    expect(byName['packet_loss_percent avg < 10'].message).toMatch(/^viewer alice \(worst of 2 viewers; bob 0\)/);
    expect('viewer' in byName['packet_loss_percent avg < 10']).toBe(false);
  });

  it("only bob's block fails when bob's picture froze, naming bob in name, worst streams and every report", () => {
    const r = blocksRun(BLOCKS, [2]);
    expect(r.status).toBe('failed');
    const failed = r.assertions.filter((a) => !a.passed);
    expect(failed.map((a) => a.name)).toEqual(['viewer bob freeze_count max == 0']);
    expect(failed[0]).toMatchObject({ measured: 1, samples: 2, viewer: 'bob', scope: 'whole', metric: 'freeze_count' });
    expect(failed[0].worst.map((w) => w.viewer)).toEqual(['bob', 'bob']);
    const junit = renderJunit(r);
    expect(junit).toMatch(/<testcase classname="[^"]*" name="viewer bob freeze_count max == 0"[^>]*>\s*<properties>[\s\S]*?<property name="viewer" value="bob"\/>[\s\S]*?<failure message="viewer bob freeze_count max == 0: measured 1/);
    expect(JSON.parse(renderJson(r)).assertions[2]).toMatchObject({ name: 'viewer bob freeze_count max == 0', viewer: 'bob', passed: false });
    expect(renderHtml(r)).toContain('viewer bob freeze_count max == 0');
  });

  it("a relative limit in a viewer block reads that viewer's figures in the baseline run", () => {
    const yaml = BLOCKS.replace('bob: { packet_loss_percent: ["max == 0"], freeze_count: ["max == 0"] }', 'bob: { packet_loss_percent: ["max <= baseline"] }');
    const baselineRun = blocksRun(yaml);
    // Bob now loses 5 % throughout: more than his own baseline (0), less than the run's worst stream there (alice, 6.667).
    const bob = blocksRun(yaml, [], 0.05, baselineRun).assertions.find((a) => a.viewer === 'bob')!;
    expect(bob).toMatchObject({ name: 'viewer bob packet_loss_percent max <= baseline', passed: false, measured: 5, threshold: 0, baseline: { value: 0 } });
    expect(blocksRun(yaml, [], 0, baselineRun).assertions.find((a) => a.viewer === 'bob')).toMatchObject({ passed: true, measured: 0 });
  });
});
