import { describe, expect, it } from 'vitest';
import type { StreamReport } from '../../../src/probe/types.js';
import { buildRunResult } from '../../../src/verdict/index.js';
import { mergeRenumberedStreams } from '../../../src/verdict/merge-streams.js';
import { planOf, probeReport, syntheticStream } from '../../helpers/results.js';

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
