import type { Endpoint } from '../../plan/types.js';
import type { LiveParts, LiveStreamRow } from '../live-summary.js';
import type { ProbeOptions } from '../receiver.js';
import type { ProbeReport } from '../types.js';

/**
 * What a shard worker is started with: the probe's options (without the I/O choice: a worker
 * loads the addon for itself) and the port to share (the first shard's, once it has one).
 */
export interface ShardWorkerData {
  shard: number;
  options: Omit<ProbeOptions, 'io' | 'ticks' | 'reusePort' | 'downlink'>;
}

/** The main thread to a shard. Requests carry an id the answer repeats. */
export type ToShard =
  | { type: 'start'; runStartEpochMs: number }
  | { type: 'register-rtx'; pairs: [number, number][] }
  /** From now on, live snapshots carry the per-stream rows too (someone shows the table). */
  | { type: 'want-rows' }
  | { type: 'windows-touched'; id: number }
  | { type: 'report'; id: number; windowCount: number }
  | { type: 'close'; id: number };

/** An error crossing the thread boundary (an AvcmError's fields). */
export interface ShardFailure {
  code: string;
  message: string;
  hint?: string;
}

/** A shard to the main thread. */
export type FromShard =
  | { type: 'ready'; address: Endpoint }
  | { type: 'failed'; error: ShardFailure }
  /** The shard's live parts (and rows when wanted), posted just after each window boundary. */
  | { type: 'live'; parts: LiveParts; rows: LiveStreamRow[] | null }
  | { type: 'windows-touched'; id: number; windows: number }
  | { type: 'report'; id: number; report: ProbeReport }
  | { type: 'closed'; id: number };
