import { performance } from 'node:perf_hooks';
import type { NackObserver } from './wire-tally.js';

/** Pending NACKed sequence numbers kept at most; older ones are forgotten (never answered). */
const MAX_PENDING = 4096;

/** Time from a NACK leaving to the retransmission arriving, as seen at one endpoint's socket. */
export interface NackResponseSummary {
  /** Sequence numbers that were NACKed and then arrived (RTX or the same packet again). */
  repaired: number;
  /** Mean and worst NACK-to-arrival time, ms; null before the first repair. */
  averageMs: number | null;
  maxMs: number | null;
}

/**
 * Measures the NACK round trip on the wire: the first NACK for a sequence number starts its clock
 * and the first packet that brings that number back stops it, whether it is an RTX packet (the
 * original sequence number in its first two payload bytes, RFC 4588 4) or the same packet again.
 * Keyed by sequence number alone: one NACKed stream per endpoint (the video).
 */
export class NackResponseClock implements NackObserver {
  private readonly pending = new Map<number, number>();
  private repaired = 0;
  private totalMs = 0;
  private maxMs = 0;

  nacked(_mediaSsrc: number, sequenceNumber: number): void {
    if (this.pending.has(sequenceNumber)) return;
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(sequenceNumber, performance.now());
  }

  /** Called for each media packet (`sequenceNumber`) or RTX packet (its original sequence number) arriving. */
  arrived(sequenceNumber: number): void {
    const sentAt = this.pending.get(sequenceNumber);
    if (sentAt === undefined) return;
    this.pending.delete(sequenceNumber);
    const ms = performance.now() - sentAt;
    this.repaired++;
    this.totalMs += ms;
    this.maxMs = Math.max(this.maxMs, ms);
  }

  summary(): NackResponseSummary {
    return {
      repaired: this.repaired,
      averageMs: this.repaired > 0 ? this.totalMs / this.repaired : null,
      maxMs: this.repaired > 0 ? this.maxMs : null,
    };
  }
}
