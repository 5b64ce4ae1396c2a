/**
 * When a receiver asks for a keyframe (PLI, RFC 4585 6.3.1): while its decoder needs one, at most
 * once per interval (browsers repeat keyframe requests about every 200 ms while frozen on a broken
 * chain), and how long the sender took: from the first request of an episode to the first packet
 * of the next keyframe.
 */
export const KEYFRAME_REQUEST_INTERVAL_MS = 200;

export class KeyframeRequester {
  private lastSentMs = -Infinity;
  private episodeStartMs = -1;

  constructor(private readonly intervalMs: number = KEYFRAME_REQUEST_INTERVAL_MS) {}

  /** Whether to send a PLI now, given whether the decoder needs a keyframe; records the send. */
  shouldSend(needed: boolean, nowMs: number): boolean {
    if (!needed || nowMs - this.lastSentMs < this.intervalMs) return false;
    this.lastSentMs = nowMs;
    if (this.episodeStartMs < 0) this.episodeStartMs = nowMs;
    return true;
  }

  /** When the next request may go out while one is needed. */
  nextDueMs(): number {
    return this.lastSentMs + this.intervalMs;
  }

  /** A keyframe began arriving at `arrivalMs`: the response time of the open request, or null if none was open. */
  onKeyframe(arrivalMs: number): number | null {
    if (this.episodeStartMs < 0) return null;
    const response = Math.max(0, arrivalMs - this.episodeStartMs);
    this.episodeStartMs = -1;
    return response;
  }
}
