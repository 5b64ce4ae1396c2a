/**
 * When a receiver asks for a keyframe (PLI, RFC 4585 6.3.1), modelled on a browser (libwebrtc's
 * video receive stream is the reference): a first request as soon as the decoder needs one, then
 * repeats while it still needs one - every 200 ms until the stream's first keyframe (a browser's
 * wait for a keyframe), afterwards every 3 s (its wait for a decodable frame) - and none while a
 * keyframe is arriving (a keyframe packet within the last 200 ms). Records how long the sender
 * took: from the first request of an episode to the first packet of the next keyframe.
 */
export const KEYFRAME_REQUESTS = {
  /** Repeat interval before the stream's first keyframe. */
  UNTIL_FIRST_KEYFRAME_MS: 200,
  /** Repeat interval once the stream has had a keyframe. */
  REPEAT_MS: 3_000,
  /** A keyframe packet this recent means one is arriving: do not ask again yet. */
  RECEIVING_MS: 200,
} as const;

export class KeyframeRequester {
  private lastSentMs = -Infinity;
  private lastKeyframeMs = -Infinity;
  private keyframeSeen = false;
  /** Run ms of the first request still unanswered, or -1. */
  private episodeStartMs = -1;

  /** Whether to send a PLI now, given whether the decoder needs a keyframe; records the send. */
  shouldSend(needed: boolean, nowMs: number): boolean {
    if (!needed || nowMs - this.lastKeyframeMs < KEYFRAME_REQUESTS.RECEIVING_MS) return false;
    if (this.episodeStartMs >= 0) {
      const interval = this.keyframeSeen ? KEYFRAME_REQUESTS.REPEAT_MS : KEYFRAME_REQUESTS.UNTIL_FIRST_KEYFRAME_MS;
      if (nowMs - this.lastSentMs < interval) return false;
    } else this.episodeStartMs = nowMs;
    this.lastSentMs = nowMs;
    return true;
  }

  /** A keyframe began arriving at `arrivalMs`: the response time of the open request, or null if none was open. */
  onKeyframe(arrivalMs: number): number | null {
    this.keyframeSeen = true;
    this.lastKeyframeMs = arrivalMs;
    if (this.episodeStartMs < 0) return null;
    const response = Math.max(0, arrivalMs - this.episodeStartMs);
    this.episodeStartMs = -1;
    return response;
  }
}
