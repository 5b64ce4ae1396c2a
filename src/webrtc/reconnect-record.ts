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
  /** Why the session was judged lost, in words (e.g. `signaling lost`, `no packets from the far end for 5.0 s`). */
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

/** A loss being recovered from: count attempts, then close it as rejoined or given up. */
export interface ReconnectEntry {
  /** An attempt starts. */
  attempt(): void;
  /** An attempt failed with `error`. */
  failed(error: string): void;
  rejoined(epochMs: number): void;
  gaveUp(error: string): void;
}

/**
 * The reconnects of one process (an engine's participants, or the runner's probe subscriptions).
 * `records()` includes losses still being recovered from (rejoinedAtEpochMs null), so a report
 * taken when the run ends tells about them too.
 */
export class ReconnectLog {
  private readonly entries: ReconnectRecord[] = [];

  lost(side: ReconnectRecord['side'], participantId: number, reason: string, lostAtEpochMs: number): ReconnectEntry {
    const record: ReconnectRecord = { side, participantId, reason, lostAtEpochMs, rejoinedAtEpochMs: null, attempts: 0, error: null };
    this.entries.push(record);
    return {
      attempt: () => {
        record.attempts++;
      },
      failed: (error) => {
        record.error = error;
      },
      rejoined: (epochMs) => {
        record.rejoinedAtEpochMs = epochMs;
        record.error = null;
      },
      gaveUp: (error) => {
        record.error = error;
      },
    };
  }

  records(): ReconnectRecord[] {
    return this.entries.map((r) => ({ ...r }));
  }
}
