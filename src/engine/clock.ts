import { performance } from 'node:perf_hooks';

/** Milliseconds since the run start, monotonic; injected so pacing is testable without sleeps. */
export interface Clock {
  nowMs(): number;
  /** Wall-clock epoch ms now (for abs-send-time). */
  epochMs(): number;
}

/** The real clock, anchored at `runStartEpochMs` (the same instant for every partition and the probe). */
export function systemClock(runStartEpochMs: number): Clock {
  const originEpochMs = performance.timeOrigin;
  return {
    nowMs: () => originEpochMs + performance.now() - runStartEpochMs,
    epochMs: () => originEpochMs + performance.now(),
  };
}
