import { describe, expect, it } from 'vitest';
import { backoffDelayMs, ReconnectLog, REJOIN_BACKOFF, rejoinWithBackoff, sessionLostReason, SESSION_HEALTH } from '../../../src/webrtc/index.js';

const middle = (): number => 0.5;

describe('backoff between rejoin attempts', () => {
  it('doubles from 250 ms up to 2 s, spread by +-20 %, and gives up after its attempts or its time', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(REJOIN_BACKOFF, n, 0, middle))).toEqual([250, 500, 1000, 2000, 2000, 2000]);
    expect(backoffDelayMs(REJOIN_BACKOFF, 1, 0, () => 0)).toBe(200);
    expect(backoffDelayMs(REJOIN_BACKOFF, 1, 0, () => 0.999_999)).toBe(300);
    expect(backoffDelayMs(REJOIN_BACKOFF, REJOIN_BACKOFF.maxAttempts + 1, 0, middle)).toBeNull();
    expect(backoffDelayMs(REJOIN_BACKOFF, 4, REJOIN_BACKOFF.maxTotalMs - 1_000, middle)).toBeNull();
  });
});

describe('when a session counts as lost', () => {
  const at = 100_000;
  it('failed or closed by the far end at once; disconnected after 3 s; silent after 5 s once the far end sent anything', () => {
    expect(sessionLostReason({ connectionState: 'failed', stateSinceEpochMs: at, lastInboundEpochMs: at }, at)).toBe('connection failed');
    expect(sessionLostReason({ connectionState: 'closed', stateSinceEpochMs: at, lastInboundEpochMs: at }, at)).toBe('connection closed by the far end');
    expect(sessionLostReason({ connectionState: 'disconnected', stateSinceEpochMs: at, lastInboundEpochMs: at }, at + SESSION_HEALTH.disconnectedMs - 1)).toBeNull();
    expect(sessionLostReason({ connectionState: 'disconnected', stateSinceEpochMs: at, lastInboundEpochMs: at }, at + SESSION_HEALTH.disconnectedMs)).toBe('disconnected for 3.0 s');
    expect(sessionLostReason({ connectionState: 'connected', stateSinceEpochMs: at, lastInboundEpochMs: at }, at + 4_999)).toBeNull();
    expect(sessionLostReason({ connectionState: 'connected', stateSinceEpochMs: at, lastInboundEpochMs: at }, at + 5_000)).toBe('no packets from the far end for 5.0 s');
    // A far end that never sends (no RTCP from this SFU) is not judged by silence.
    expect(sessionLostReason({ connectionState: 'connected', stateSinceEpochMs: at, lastInboundEpochMs: null }, at + 60_000)).toBeNull();
    expect(sessionLostReason({ connectionState: 'connecting', stateSinceEpochMs: at, lastInboundEpochMs: null }, at + 60_000)).toBeNull();
  });
});

describe('the rejoin loop', () => {
  const quick = { initialMs: 1, factor: 2, maxDelayMs: 4, maxAttempts: 5, maxTotalMs: 5_000, jitter: 0 };

  it('retries a failing join until it succeeds, counting attempts, and records the loss and the rejoin', async () => {
    const log = new ReconnectLog();
    const entry = log.lost('participant', 1001, 'signaling lost', Date.now());
    let calls = 0;
    const ok = await rejoinWithBackoff(
      async () => {
        if (++calls < 3) throw new Error(`Janus at http://127.0.0.1:1/janus is not reachable (${calls})`);
      },
      entry,
      { policy: quick, signal: new AbortController().signal },
    );
    expect(ok).toBe(true);
    const [record] = log.records();
    expect(record).toMatchObject({ side: 'participant', participantId: 1001, reason: 'signaling lost', attempts: 3, error: null });
    expect(record.rejoinedAtEpochMs).toBeGreaterThanOrEqual(record.lostAtEpochMs);
  });

  it("gives up after the policy's attempts, keeping the last error; a record of a rejoin in progress has no rejoin time", async () => {
    const log = new ReconnectLog();
    const entry = log.lost('probe', 1002, 'no packets from the far end for 5.0 s', Date.now());
    expect(log.records()[0].rejoinedAtEpochMs).toBeNull();
    const ok = await rejoinWithBackoff(() => Promise.reject(new Error('No such feed (428)')), entry, { policy: quick, signal: new AbortController().signal });
    expect(ok).toBe(false);
    const [record] = log.records();
    expect(record.attempts).toBe(5);
    expect(record.rejoinedAtEpochMs).toBeNull();
    expect(record.error).toMatch(/^gave up after 5 attempts in \d+\.\d s: No such feed \(428\)$/);
  });

  it('stops when the run ends (aborted): no new attempt, the loss stays unrecovered', async () => {
    const log = new ReconnectLog();
    const abort = new AbortController();
    let calls = 0;
    const loop = rejoinWithBackoff(
      async () => {
        calls++;
        abort.abort();
        throw new Error('refused');
      },
      log.lost('participant', 1003, 'connection failed', Date.now()),
      { policy: { ...quick, initialMs: 5 }, signal: abort.signal },
    );
    expect(await loop).toBe(false);
    expect(calls).toBe(1);
    expect(log.records()[0].error).toMatch(/^the run ended before it was back \(1 attempts; last: refused\)$/);
  });
});
