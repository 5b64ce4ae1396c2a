import { SENDER_FIELDS, type SenderStats } from './sender-stats.js';

/**
 * Answers PLI (RFC 4585 6.3.1) and FIR (RFC 5104 4.3.1) for a video stream: a request makes the
 * stream's next frame a keyframe (the engine moves the participant's clip position to the next
 * IDR). Requests that arrive while one is pending are one request; a repeated FIR (same sequence
 * number from the same sender) is not a new one (RFC 5104 4.3.1.2). Records how long each answer took.
 */
export class KeyframeResponder {
  /** Run ms of the oldest unanswered request, or -1. */
  private pendingSinceMs = -1;
  private readonly lastFirSequence = new Map<number, number>();

  constructor(private readonly stats: SenderStats) {}

  get pending(): boolean {
    return this.pendingSinceMs >= 0;
  }

  onPli(nowMs: number): void {
    this.stats.add(Math.floor(nowMs / 1000), SENDER_FIELDS.plisReceived);
    if (this.pendingSinceMs < 0) this.pendingSinceMs = nowMs;
  }

  onFir(senderSsrc: number, sequenceNumber: number, nowMs: number): void {
    if (this.lastFirSequence.get(senderSsrc) === sequenceNumber) return;
    this.lastFirSequence.set(senderSsrc, sequenceNumber);
    this.stats.add(Math.floor(nowMs / 1000), SENDER_FIELDS.firsReceived);
    if (this.pendingSinceMs < 0) this.pendingSinceMs = nowMs;
  }

  /** The engine sent a keyframe at `nowMs` for the pending request. */
  answered(nowMs: number): void {
    if (this.pendingSinceMs < 0) return;
    const window = Math.floor(nowMs / 1000);
    this.stats.add(window, SENDER_FIELDS.keyframesSent);
    this.stats.add(window, SENDER_FIELDS.keyframeResponseMsSum, Math.max(0, nowMs - this.pendingSinceMs));
    this.pendingSinceMs = -1;
  }
}
