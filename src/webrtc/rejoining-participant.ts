import type { FeedbackHandler, ParticipantTransport } from '../engine/transport.js';
import type { BackoffPolicy } from './backoff.js';
import type { ReconnectEntry, ReconnectLog } from './reconnect-record.js';
import { rejoinWithBackoff } from './rejoin.js';
import { sessionLostReason, SESSION_HEALTH, type HealthThresholds } from './session-health.js';
import type { MediaPath, WebRtcParticipantTransport } from './webrtc-participant.js';

/** How often a participant's session is looked at. */
const WATCH_INTERVAL_MS = 250;

export interface RejoiningOptions {
  participantId: number;
  /** Where losses and rejoins are recorded (one log per engine process). */
  log: ReconnectLog;
  /** Subscribes to the SFU's signaling being lost (a Janus session gone): every participant on it joins again. */
  onSignalingLost?: (listener: (reason: string) => void) => void;
  policy?: BackoffPolicy;
  thresholds?: HealthThresholds;
}

/**
 * A WebRTC participant that joins again when its session is lost, as a real client does. The
 * engine keeps one of these per participant and sends through it; inside is the current peer
 * connection (`WebRtcParticipantTransport`), replaced on each rejoin by a new one made with the
 * same `join` (a new offer published through the SFU's signaling: Janus joins the room again in a
 * new session, WHIP POSTs again). A loss is what `sessionLostReason` says, or the SFU's signaling
 * lost; rejoining waits by `REJOIN_BACKOFF` between attempts. While no session is up, packets are
 * counted in `errors` and dropped (the engine's media clock and sequence numbers go on, as a
 * browser's encoder does). Every loss and rejoin is recorded in the log with its times.
 */
export class RejoiningParticipantTransport implements ParticipantTransport {
  private current: WebRtcParticipantTransport | null;
  private feedback: FeedbackHandler | null = null;
  private droppedWhileDown = 0;
  /** Errors of the peer connections already replaced. */
  private earlierErrors = 0;
  private rejoining = false;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly timer: NodeJS.Timeout;
  readonly rtxNegotiated: boolean;

  private constructor(
    first: WebRtcParticipantTransport,
    private readonly join: (first: boolean) => Promise<WebRtcParticipantTransport>,
    private readonly options: RejoiningOptions,
  ) {
    this.current = first;
    this.rtxNegotiated = first.rtxNegotiated;
    this.timer = setInterval(() => this.watch(), WATCH_INTERVAL_MS);
    this.timer.unref();
    options.onSignalingLost?.((reason) => this.lost(reason));
  }

  /**
   * Joins the first time (`join(true)` must resolve with a connected transport; its error is the
   * participant's join failure, as without rejoining) and watches the session from then on;
   * `join(false)` is a rejoin (it may use a shorter connect timeout).
   */
  static async open(join: (first: boolean) => Promise<WebRtcParticipantTransport>, options: RejoiningOptions): Promise<RejoiningParticipantTransport> {
    return new RejoiningParticipantTransport(await join(true), join, options);
  }

  private watch(): void {
    const current = this.current;
    if (this.closed || this.rejoining || current === null) return;
    const reason = sessionLostReason(current.sample(), Date.now(), this.options.thresholds ?? SESSION_HEALTH);
    if (reason !== null) this.lost(reason);
  }

  /** The session is lost: close it and join again in the background (once at a time). */
  private lost(reason: string): void {
    if (this.closed || this.rejoining) return;
    this.rejoining = true;
    const entry = this.options.log.lost('participant', this.options.participantId, reason, Date.now());
    const old = this.current;
    this.current = null;
    if (old) {
      this.earlierErrors += old.errors;
      void old.close();
    }
    void this.rejoin(entry);
  }

  private async rejoin(entry: ReconnectEntry): Promise<void> {
    await rejoinWithBackoff(
      async () => {
        const next = await this.join(false);
        if (this.closed) {
          await next.close();
          return;
        }
        if (this.feedback) next.onFeedback(this.feedback);
        this.current = next;
      },
      entry,
      { policy: this.options.policy, signal: this.abort.signal },
    );
    this.rejoining = false;
  }

  send(header: Buffer, headerLength: number, payload: Buffer): void {
    const current = this.current;
    if (current === null) this.droppedWhileDown++;
    else current.send(header, headerLength, payload);
  }

  onFeedback(handler: FeedbackHandler): void {
    this.feedback = handler;
    this.current?.onFeedback(handler);
  }

  /** Where the current session's media runs (null while none is up). */
  get mediaPath(): MediaPath | null {
    return this.current?.mediaPath ?? null;
  }

  get mediaPathReason(): string | null {
    return this.current?.mediaPathReason ?? null;
  }

  /** The current session's video MID (simulcast layers carry it; each session negotiates its own, the same for avcm's offers). */
  get videoMid(): string | null {
    return this.current?.videoMid ?? null;
  }

  /** Packets that could not be sent: the peer connections' errors, and packets dropped while no session was up. */
  get errors(): number {
    return this.earlierErrors + this.droppedWhileDown + (this.current?.errors ?? 0);
  }

  get queueBusy(): number {
    return 0;
  }

  /** Stops watching, ends a rejoin in progress (recorded as never back), closes the session. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.abort.abort();
    const current = this.current;
    this.current = null;
    await current?.close();
  }
}
