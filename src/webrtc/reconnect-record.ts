/**
 * One lost WebRTC session and how it came back, as a real client would live it: the failure was
 * detected (ICE failed or disconnected too long, the far end silent, or the SFU's signaling lost),
 * the client joined again through the SFU's signaling, with backoff, until its session was up or
 * it gave up. Participants (engines) and the probe's subscriptions (runner) record these; the
 * verdict turns the participants' into `reconnect_seconds`.
 */
export interface ReconnectRecord {
  /** `participant`: a publisher joining again; `probe`: the probe subscribing to a participant again. */
  side: 'participant' | 'probe';
  participantId: number;
  /** Why the session was judged lost, in words (e.g. `signaling lost`, `no packets for 5.0 s`). */
  reason: string;
  /** When the loss was detected, epoch ms. */
  lostAtEpochMs: number;
  /** When the session was up again (media flowing), epoch ms; null when it never came back (gave up or the run ended). */
  rejoinedAtEpochMs: number | null;
  /** Join attempts made (the successful one included). */
  attempts: number;
  /** The last attempt's error when it never came back; null otherwise. */
  error: string | null;
}
