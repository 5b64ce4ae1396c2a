import { AvcmError } from '../errors/index.js';
import { ReconnectLog, rejoinWithBackoff, sessionLostReason, SESSION_HEALTH, type BackoffPolicy, type HealthThresholds, type ReconnectRecord, type SessionSample } from '../webrtc/index.js';
import type { ProbeSide, SfuAdapter } from './adapter.js';

/** The probe's side as the subscriptions need it: a WebRtcProbeSession. */
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

const WATCH_INTERVAL_MS = 250;
/**
 * A viewer app retries a subscription more eagerly than a publisher its join (it waits on a
 * publisher that is coming back, not on a server): 250 ms, 500 ms, then every second, for at most
 * 60 attempts or 60 s.
 */
export const RESUBSCRIBE_BACKOFF: BackoffPolicy = { initialMs: 250, factor: 2, maxDelayMs: 1_000, maxAttempts: 60, maxTotalMs: 60_000, jitter: 0.2 };

/**
 * The probe's subscriptions through an SFU, one per participant, kept up for the run as a viewer
 * app keeps its subscriptions: a subscription whose session is lost (`sessionLostReason`, or the
 * adapter's signaling session lost) subscribes again through the SFU's signaling with backoff
 * (Janus: a new session and handle; WHEP: a new POST). Until the participant has published again
 * the SFU refuses the subscription, and the backoff retries it. Each loss is recorded (side
 * `probe`); the outage the probe measures includes the time this took, as a viewer's would.
 */
export class ProbeSubscriptions {
  private readonly log = new ReconnectLog();
  private readonly rejoining = new Set<number>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(
    private readonly adapter: SfuAdapter,
    private readonly probe: WatchedProbe,
    private readonly participantIds: readonly number[],
    private readonly options: ProbeSubscriptionOptions,
  ) {}

  /**
   * Subscribes the probe to every participant and waits until all sessions are up (E_NETWORK when
   * they are not within the connect timeout), then watches them until `close`.
   */
  static async open(adapter: SfuAdapter, probe: WatchedProbe, participantIds: readonly number[], options: ProbeSubscriptionOptions = {}): Promise<ProbeSubscriptions> {
    const subscriptions = new ProbeSubscriptions(adapter, probe, participantIds, options);
    await Promise.all(participantIds.map((id) => adapter.subscribe(id, probe)));
    const deadline = Date.now() + (options.connectTimeoutMs ?? 20_000);
    while (probe.connectedCount() < participantIds.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (probe.connectedCount() < participantIds.length) {
      throw new AvcmError('E_NETWORK', `the probe connected to ${probe.connectedCount()} of ${participantIds.length} subscriptions through the SFU`);
    }
    subscriptions.watch();
    return subscriptions;
  }

  private watch(): void {
    this.adapter.onSignalingLost((reason) => {
      for (const id of this.participantIds) this.lost(id, reason);
    });
    const thresholds = this.options.thresholds ?? SESSION_HEALTH;
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const id of this.participantIds) {
        if (this.rejoining.has(id)) continue;
        const sample = this.probe.sample(id);
        const reason = sample && sessionLostReason(sample, now, thresholds);
        if (reason) this.lost(id, reason);
      }
    }, WATCH_INTERVAL_MS);
    this.timer.unref();
  }

  private lost(participantId: number, reason: string): void {
    if (this.closed || this.rejoining.has(participantId)) return;
    this.rejoining.add(participantId);
    const entry = this.log.lost('probe', participantId, reason, Date.now());
    void rejoinWithBackoff(
      async () => {
        await this.adapter.subscribe(participantId, this.probe);
        await this.probe.connected(participantId, this.options.rejoinConnectTimeoutMs ?? 10_000);
      },
      entry,
      { policy: this.options.policy ?? RESUBSCRIBE_BACKOFF, signal: this.abort.signal },
    ).finally(() => this.rejoining.delete(participantId));
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
