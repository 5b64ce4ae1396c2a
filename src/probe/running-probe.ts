import type { Endpoint } from '../plan/types.js';
import type { LiveStreamRow, LiveSummary } from './live-summary.js';
import type { ProbeReport } from './types.js';

/**
 * A probe listening for a run: one `ProbeReceiver`, or a sharded probe whose shards (worker
 * threads) share the port. What the runner, the bench and `avcm receive` use, so they need not
 * know which it is.
 */
export interface RunningProbe {
  /** The bound address (port 0 asked: the one the kernel gave). */
  readonly address: Endpoint;
  /** `batched` or `dgram`: the socket's I/O; null for a detached probe. */
  readonly io: 'batched' | 'dgram' | null;
  /** Window length, ms. */
  readonly windowMs: number;
  /** Sets window 0's start (epoch ms), the run start every partition shares; called once, before sending starts. */
  start(runStartEpochMs: number): void;
  /** All streams over the last complete window, for live displays (about once a second). */
  live(): LiveSummary;
  /** One row per stream over the last complete window, for `avcm receive`'s table. */
  liveStreams(): LiveStreamRow[];
  /** RTX SSRC -> media SSRC pairs learned from signaling. */
  registerRtx(pairs: ReadonlyMap<number, number>): void;
  /** The measured report over `windowCount` windows (default: up to the last window any stream touched); await it (a sharded probe asks its shards). */
  report(windowCount?: number): ProbeReport | Promise<ProbeReport>;
  /** Stops receiving; idempotent. */
  close(): Promise<void>;
}
