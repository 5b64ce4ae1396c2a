import type { PlannedSpike } from '../plan/types.js';
import { DROP, type PacketStage } from './stage.js';

/** Burst the bucket lets through at line rate before queueing starts, in ms of the limited rate. */
const BURST_MS = 10;

/**
 * `bandwidth_limit`: a token bucket over all of a participant's media (one instance shared by its
 * video and audio), in its virtual-time form (GCRA): `tatMs` is when the bucket would be empty;
 * a packet may leave at `tatMs - BURST_MS` (a bucket of BURST_MS worth of tokens), so traffic under
 * the limit passes undelayed and traffic over it queues. A packet that would wait longer than
 * `queueMs` is tail-dropped (a bounded queue), and does not consume tokens.
 */
export class BandwidthLimitStage implements PacketStage {
  private readonly msPerByte: number;
  private readonly queueMs: number;
  /** Theoretical arrival time: when the bucket's backlog has drained, ms. */
  private tatMs = -Infinity;

  constructor(readonly spike: PlannedSpike) {
    const kbps = Math.max(1e-3, spike.params.bandwidthKbps ?? 1000);
    this.msPerByte = 8 / kbps; // bytes * 8 bits / (kbps bits per ms)
    this.queueMs = spike.params.queueMs ?? 200;
  }

  process(bytes: number, nowMs: number): number {
    const tat = Math.max(this.tatMs, nowMs);
    const leaveMs = Math.max(nowMs, tat - BURST_MS);
    if (leaveMs - nowMs > this.queueMs) return DROP;
    this.tatMs = tat + bytes * this.msPerByte;
    return leaveMs;
  }
}
