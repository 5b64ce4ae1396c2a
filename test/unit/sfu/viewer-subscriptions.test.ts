import { afterEach, describe, expect, it, vi } from 'vitest';
import { compile } from '../../../src/plan/index.js';
import { parseScenarioText, validateLoaded } from '../../../src/scenario/index.js';
import type { SfuSpec } from '../../../src/plan/types.js';
import { LayerSwitchTimeline, ProbeSubscriptions, type ProbeSide, type SfuAdapter, type WatchedProbe } from '../../../src/sfu/index.js';
import type { SessionSample } from '../../../src/webrtc/index.js';

// The probe's subscriptions and layer requests are keyed by (viewer, participant): each viewer
// subscribes on its own probe side, asks for its own layer, and switches only its own subscriptions.
// The adapter here only records what it was asked (the Janus dialect itself runs in the e2e tests).

class RecordingAdapter implements SfuAdapter {
  readonly subscribed: { viewer: number; participantId: number; probe: ProbeSide }[] = [];
  readonly layers: { viewer: number; participantId: number; substream: number }[] = [];
  private readonly lostListeners: ((reason: string) => void)[] = [];
  async prepare(): Promise<SfuSpec> {
    throw new Error('not used');
  }
  async publish(): Promise<string> {
    throw new Error('not used');
  }
  async subscribe(viewer: number, participantId: number, probe: ProbeSide): Promise<void> {
    this.subscribed.push({ viewer, participantId, probe });
    (probe as FakeViewerProbe).connect(participantId);
  }
  async setLayer(viewer: number, participantId: number, substream: number): Promise<void> {
    this.layers.push({ viewer, participantId, substream });
  }
  onSignalingLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }
  async close(): Promise<void> {}
}

/** A viewer's probe side: its sessions by participant, which a test can make fail. */
class FakeViewerProbe implements WatchedProbe {
  readonly samples = new Map<number, SessionSample>();
  async answer(): Promise<string> {
    return '';
  }
  async offer(): Promise<string> {
    return '';
  }
  async acceptAnswer(): Promise<void> {}
  connect(participantId: number): void {
    this.samples.set(participantId, { connectionState: 'connected', stateSinceEpochMs: Date.now(), lastInboundEpochMs: null });
  }
  sample(participantId: number): SessionSample | null {
    return this.samples.get(participantId) ?? null;
  }
  async connected(): Promise<void> {}
  connectedCount(): number {
    return [...this.samples.values()].filter((s) => s.connectionState === 'connected').length;
  }
}

function planOf(yaml: string) {
  const { scenario, problems } = validateLoaded(parseScenarioText(yaml, 'two-viewers.yaml'));
  expect(problems).toEqual([]);
  return compile(scenario!, { cores: 1 });
}

const TWO_VIEWERS = `version: 1
name: two-viewers
seed: 1
duration: 20s
media: { video: { simulcast: true } }
participants: { count: 2, transport: webrtc }
sfu: { kind: janus-videoroom, url: "http://127.0.0.1:8088/janus" }
viewers: [{ name: alice, layer: h }, { name: bob, layer: m }]
spikes:
  - { type: layer_switch, viewers: [alice], layer: l, at: 5s, duration: 5s }
`;

afterEach(() => {
  vi.useRealTimers();
});

describe('subscriptions per viewer and participant', () => {
  it('every viewer subscribes to every participant on its own probe side; a lost session resubscribes only that pair', async () => {
    const adapter = new RecordingAdapter();
    const alice = new FakeViewerProbe();
    const bob = new FakeViewerProbe();
    const subscriptions = await ProbeSubscriptions.open(
      adapter,
      [
        { index: 0, name: 'alice', probe: alice },
        { index: 1, name: 'bob', probe: bob },
      ],
      [1001, 1002],
      { policy: { initialMs: 1, factor: 1, maxDelayMs: 1, maxAttempts: 3, maxTotalMs: 1000, jitter: 0 } },
    );
    try {
      expect(adapter.subscribed.map((s) => [s.viewer, s.participantId, s.probe === alice ? 'alice' : 'bob']).sort()).toEqual([
        [0, 1001, 'alice'],
        [0, 1002, 'alice'],
        [1, 1001, 'bob'],
        [1, 1002, 'bob'],
      ]);
      adapter.subscribed.length = 0;
      bob.samples.set(1002, { connectionState: 'failed', stateSinceEpochMs: Date.now(), lastInboundEpochMs: null });
      await vi.waitFor(() => expect(subscriptions.records().map((r) => r.rejoinedAtEpochMs !== null)).toEqual([true]), { timeout: 5000 });
      expect(adapter.subscribed.map((s) => [s.viewer, s.participantId, s.probe === bob])).toEqual([[1, 1002, true]]);
      expect(subscriptions.records()).toEqual([expect.objectContaining({ side: 'probe', participantId: 1002, reason: 'viewer bob: connection failed' })]);
    } finally {
      subscriptions.close();
    }
  });

  it("each viewer subscribes at its own layer; a layer_switch on alice asks only alice's subscriptions, and her own layer back at its end", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const plan = planOf(TWO_VIEWERS);
    const adapter = new RecordingAdapter();
    const timeline = LayerSwitchTimeline.forPlan(plan, adapter)!;
    await timeline.subscribeAtHome();
    // h = substream 2, m = 1, l = 0.
    expect(adapter.layers).toEqual([
      { viewer: 0, participantId: 1001, substream: 2 },
      { viewer: 0, participantId: 1002, substream: 2 },
      { viewer: 1, participantId: 1001, substream: 1 },
      { viewer: 1, participantId: 1002, substream: 1 },
    ]);
    adapter.layers.length = 0;
    timeline.start(Date.now());
    await vi.advanceTimersByTimeAsync(5_000);
    expect(adapter.layers).toEqual([
      { viewer: 0, participantId: 1001, substream: 0 },
      { viewer: 0, participantId: 1002, substream: 0 },
    ]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(adapter.layers.slice(2)).toEqual([
      { viewer: 0, participantId: 1001, substream: 2 },
      { viewer: 0, participantId: 1002, substream: 2 },
    ]);
    expect(timeline.records().every((r) => r.viewer === 0 && r.error === null)).toBe(true);
    timeline.close();
  });
});
