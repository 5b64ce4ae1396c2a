/**
 * When a WebRTC session counts as lost, as a client notices it: the connection failed or was
 * closed by the far end, stayed `disconnected` too long, or nothing (RTP, RTCP) arrived from the
 * far end for too long although something did before (the far end is gone or frozen; werift itself
 * only fails a session when ICE consent expires, 30 s after the last response).
 */
export interface HealthThresholds {
  /** How long `disconnected` may last, ms. */
  disconnectedMs: number;
  /** How long the far end may stay silent, ms, once it sent anything. */
  silenceMs: number;
}

/** Publishers hear RTCP from the SFU about once a second; viewers get media continuously. */
export const SESSION_HEALTH: HealthThresholds = { disconnectedMs: 3_000, silenceMs: 5_000 };

/** A session's state as its watcher samples it (epoch ms). */
export interface SessionSample {
  connectionState: string;
  /** When `connectionState` was entered. */
  stateSinceEpochMs: number;
  /** Last packet from the far end; null before the first. */
  lastInboundEpochMs: number | null;
}

/** Why the session is lost, or null while it is fine. Pure. */
export function sessionLostReason(sample: SessionSample, nowEpochMs: number, thresholds: HealthThresholds = SESSION_HEALTH): string | null {
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  switch (sample.connectionState) {
    case 'failed':
      return 'connection failed';
    case 'closed':
      return 'connection closed by the far end';
    case 'disconnected': {
      const lasted = nowEpochMs - sample.stateSinceEpochMs;
      return lasted >= thresholds.disconnectedMs ? `disconnected for ${seconds(lasted)}` : null;
    }
    case 'connected': {
      if (sample.lastInboundEpochMs === null) return null;
      const silent = nowEpochMs - sample.lastInboundEpochMs;
      return silent >= thresholds.silenceMs ? `no packets from the far end for ${seconds(silent)}` : null;
    }
    default:
      return null;
  }
}
