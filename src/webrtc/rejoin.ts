import { backoffDelayMs, REJOIN_BACKOFF, type BackoffPolicy } from './backoff.js';
import type { ReconnectEntry } from './reconnect-record.js';

export interface RejoinOptions {
  policy?: BackoffPolicy;
  /** Aborted when the run ends: no new attempt starts, the loss is recorded as never recovered. */
  signal: AbortSignal;
  random?: () => number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Joins again after a lost session: waits as the backoff policy says, runs `attempt` (one whole
 * join: signaling, offer/answer, ICE and DTLS up, each step bounded by its own timeout), and
 * repeats on failure until an attempt succeeds, the policy gives up, or `signal` aborts. Each
 * attempt and its outcome go into `entry`. Resolves true when the session is back.
 */
export async function rejoinWithBackoff(attempt: () => Promise<void>, entry: ReconnectEntry, options: RejoinOptions): Promise<boolean> {
  const policy = options.policy ?? REJOIN_BACKOFF;
  const lostAt = Date.now();
  let lastError = 'no attempt was made';
  for (let n = 1; ; n++) {
    const delay = backoffDelayMs(policy, n, Date.now() - lostAt, options.random);
    if (delay === null) {
      entry.gaveUp(`gave up after ${n - 1} attempts in ${((Date.now() - lostAt) / 1000).toFixed(1)} s: ${lastError}`);
      return false;
    }
    await sleep(delay, options.signal);
    if (options.signal.aborted) {
      entry.gaveUp(`the run ended before it was back (${n - 1} attempts; last: ${lastError})`);
      return false;
    }
    entry.attempt();
    try {
      await attempt();
      if (options.signal.aborted) return false;
      entry.rejoined(Date.now());
      return true;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      entry.failed(lastError);
    }
  }
}
