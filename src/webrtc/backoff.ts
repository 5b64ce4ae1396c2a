/**
 * Exponential backoff for joining again after a lost session, as real clients do it: the first
 * attempt soon, each wait `factor` times the previous one up to `maxDelayMs`, each drawn within
 * +-`jitter` of its value (so many clients that lost the same SFU do not come back in lockstep),
 * and bounded both in attempts and in time.
 */
export interface BackoffPolicy {
  /** Wait before the first attempt, ms. */
  initialMs: number;
  factor: number;
  maxDelayMs: number;
  /** Attempts before giving up. */
  maxAttempts: number;
  /** Time from the loss after which no new attempt starts, ms. */
  maxTotalMs: number;
  /** Relative spread of each wait, 0..1. */
  jitter: number;
}

/** Rejoining an SFU: 250 ms, 500 ms, 1 s, then every 2 s, for at most 30 attempts or 60 s. */
export const REJOIN_BACKOFF: BackoffPolicy = { initialMs: 250, factor: 2, maxDelayMs: 2_000, maxAttempts: 30, maxTotalMs: 60_000, jitter: 0.2 };

/**
 * The wait before attempt `attempt` (1-based), ms, when `elapsedMs` passed since the loss; null
 * when the policy gives up (too many attempts, or the attempt would start after `maxTotalMs`).
 * `random` returns [0, 1) (Math.random by default; a seeded one in tests).
 */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, elapsedMs: number, random: () => number = Math.random): number | null {
  if (attempt > policy.maxAttempts) return null;
  const nominal = Math.min(policy.maxDelayMs, policy.initialMs * policy.factor ** (attempt - 1));
  const delay = Math.max(0, Math.round(nominal * (1 + policy.jitter * (2 * random() - 1))));
  return elapsedMs + delay > policy.maxTotalMs ? null : delay;
}
