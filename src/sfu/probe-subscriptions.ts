import { AvcmError } from '../errors/index.js';
import { ReconnectLog, rejoinWithBackoff, sessionLostReason, SESSION_HEALTH, type BackoffPolicy, type HealthThresholds, type ReconnectRecord, type SessionSample } from '../webrtc/index.js';
import type { ProbeSide, SfuAdapter } from './adapter.js';

/** The probe's side as the subscriptions need it: a WebRtcProbeSession (one per viewer). */
export interface WatchedProbe extends ProbeSide {
  sample(participantId: number): SessionSample | null;
  connected(participantId: number, timeoutMs?: number): Promise<void>;
  connectedCount(): number;
}

export interface ProbeSubscriptionOptions {
  /** How long the first subscriptions may take to connect, ms (default 20 s). */
  connectTimeoutMs?: number;
  /** How long one resubscription's session may take to connect, ms (default 10 s). */
  rejoinConnectTimeoutMs?: number;
  policy?: BackoffPolicy;
  thresholds?: HealthThresholds;
}

/** One viewer the probe plays: its index in the plan's viewers (0 without them), its name for the records, and its own probe side. */
export interface SubscribingViewer {
  index: number;
  name: string | null;
  probe: WatchedProbe;
}

/** One (viewer, participant) subscription. */
interface Subscription {
  key: string;
  viewer: SubscribingViewer;
  participantId: number;
}

const WATCH_INTERVAL_MS = 250;
/**
 * A viewer app retries a subscription more eagerly than a publisher its join (it waits on a
 * publisher that is coming back, not on a server): 250 ms, 500 ms, then every second, for at most
 * 60 attempts or 60 s.
 */
export const RESUBSCRIBE_BACKOFF: BackoffPolicy = { initialMs: 250, factor: 2, maxDelayMs: 1_000, maxAttempts: 60, maxTotalMs: 60_000, jitter: 0.2 };

/**
 * The probe's subscriptions through an SFU, one per viewer and participant (each viewer its own
 * probe side, so its own peers, feedback and measurements), kept up for the run as a viewer app
 * keeps its subscriptions: a subscription whose session is lost (`sessionLostReason`, or the
 * adapter's signaling session lost) subscribes again through the SFU's signaling with backoff
 * (Janus: a new session and handle; WHEP: a new POST). Until the participant has published again
 * the SFU refuses the subscription, and the backoff retries it. Each loss is recorded (side
 * `probe`, the viewer named in the reason when the plan names viewers); the outage the probe
 * measures includes the time this took, as a viewer's would.
 */
export class ProbeSubscriptions {
  private readonly log = new ReconnectLog();
  private readonly rejoining = new Set<string>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(
    private readonly adapter: SfuAdapter,
    private readonly subscriptions: readonly Subscription[],
    private readonly options: ProbeSubscriptionOptions,
  ) {}

  /**
   * Subscribes every viewer to every participant and waits until all sessions are up (E_NETWORK
   * when they are not within the connect timeout), then watches them until `close`.
   */
  static async open(adapter: SfuAdapter, viewers: readonly SubscribingViewer[], participantIds: readonly number[], options: ProbeSubscriptionOptions = {}): Promise<ProbeSubscriptions> {
    const pairs = viewers.flatMap((viewer) => participantIds.map((participantId): Subscription => ({ key: `${viewer.index}:${participantId}`, viewer, participantId })));
    const subscriptions = new ProbeSubscriptions(adapter, pairs, options);
    await Promise.all(pairs.map((s) => adapter.subscribe(s.viewer.index, s.participantId, s.viewer.probe)));
    const deadline = Date.now() + (options.connectTimeoutMs ?? 20_000);
    const connected = (): number => viewers.reduce((sum, v) => sum + v.probe.connectedCount(), 0);
    while (connected() < pairs.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (connected() < pairs.length) {
      throw new AvcmError('E_NETWORK', `the probe connected to ${connected()} of ${pairs.length} subscriptions through the SFU${viewers.length > 1 ? ` (${viewers.length} viewers x ${participantIds.length} participants)` : ''}`);
    }
    subscriptions.watch();
    return subscriptions;
  }

  private watch(): void {
    this.adapter.onSignalingLost((reason) => {
      for (const s of this.subscriptions) this.lost(s, reason);
    });
    const thresholds = this.options.thresholds ?? SESSION_HEALTH;
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const s of this.subscriptions) {
        if (this.rejoining.has(s.key)) continue;
        const sample = s.viewer.probe.sample(s.participantId);
        const reason = sample && sessionLostReason(sample, now, thresholds);
        if (reason) this.lost(s, reason);
      }
    }, WATCH_INTERVAL_MS);
    this.timer.unref();
  }

  private lost(s: Subscription, reason: string): void {
    if (this.closed || this.rejoining.has(s.key)) return;
    this.rejoining.add(s.key);
    const entry = this.log.lost('probe', s.participantId, s.viewer.name === null ? reason : `viewer ${s.viewer.name}: ${reason}`, Date.now());
    void rejoinWithBackoff(
      async () => {
        await this.adapter.subscribe(s.viewer.index, s.participantId, s.viewer.probe);
        await s.viewer.probe.connected(s.participantId, this.options.rejoinConnectTimeoutMs ?? 10_000);
      },
      entry,
      { policy: this.options.policy ?? RESUBSCRIBE_BACKOFF, signal: this.abort.signal },
    ).finally(() => this.rejoining.delete(s.key));
  }

  /** Every lost subscription so far and how it came back (in progress ones with rejoinedAtEpochMs null). */
  records(): ReconnectRecord[] {
    return this.log.records();
  }

  /** Stops watching and ends resubscriptions in progress. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
  }
}
