import type { PlannedSpike } from '../plan/types.js';
import { MAHIMAHI_MTU_BYTES } from '../trace/types.js';
import { spikeParam } from './spike-params.js';
import type { PacketClock, PacketStage } from './stage.js';
import { traceOf } from './trace-source.js';

/** Scenario default of `queue`. */
const DEFAULT_QUEUE_MS = 200;

/**
 * `trace` with a Mahimahi packet-delivery trace: the participant's bottleneck link delivers bytes
 * only at the trace's delivery opportunities, each carrying up to one MTU (1500 bytes), as
 * Mahimahi's link shell does. The trace runs from the spike's start and repeats every period (its
 * last timestamp). Packets queue in order (all of the participant's media, RTCP and
 * retransmissions share the link); a packet leaves at the opportunity that carries its last byte,
 * several small packets share one opportunity and a large one may span two. When the queue is
 * empty the opportunities pass unused (a link does not save capacity). A packet that would wait
 * longer than `queue` is tail-dropped and uses no capacity.
 *
 * State is the link cursor (period, opportunity index, bytes used of it), so a packet allocates
 * nothing; a jump over idle time is a binary search in the trace. Deterministic: no randomness.
 */
export class MahimahiLinkStage implements PacketStage {
  readonly periodMs: number;
  readonly queueMs: number;
  private readonly deliveryMs: Float64Array;
  /** The cursor: the opportunity the next byte goes into, as period number and index, and bytes used of it. */
  private cycle = 0;
  private index = -1;
  private usedBytes = MAHIMAHI_MTU_BYTES;

  constructor(readonly spike: PlannedSpike) {
    const trace = traceOf(spike, 'mahimahi');
    this.periodMs = trace.periodMs;
    this.deliveryMs = Float64Array.from(trace.deliveryMs);
    this.queueMs = spikeParam(spike, 'queueMs', DEFAULT_QUEUE_MS, 0);
  }

  /** Trace time (ms since the spike's start) of an opportunity. */
  private timeOf(cycle: number, index: number): number {
    return cycle * this.periodMs + this.deliveryMs[index];
  }

  /** Per packet: holds it until the opportunity that carries its last byte; false past the queue bound. Allocates nothing. */
  process(bytes: number, clock: PacketClock): boolean {
    const nowMs = clock[0];
    const t = nowMs - this.spike.startMs;
    let cycle = this.cycle;
    let index = this.index;
    let used = this.usedBytes;
    // The queue ran empty before this packet: restart at the first opportunity not in the past.
    if (index < 0 || this.timeOf(cycle, index) < t) {
      cycle = Math.floor(t / this.periodMs);
      index = this.firstAtOrAfter(t - cycle * this.periodMs);
      if (index === this.deliveryMs.length) {
        cycle++;
        index = 0;
      }
      used = 0;
    }
    let remaining = bytes;
    // Fill the current opportunity, then whole next ones (a packet of at most a few MTUs: a few rounds).
    while (remaining > MAHIMAHI_MTU_BYTES - used) {
      remaining -= MAHIMAHI_MTU_BYTES - used;
      used = 0;
      index++;
      if (index === this.deliveryMs.length) {
        index = 0;
        cycle++;
      }
    }
    used += remaining;
    const leaveMs = this.spike.startMs + this.timeOf(cycle, index);
    if (leaveMs - nowMs > this.queueMs) return false;
    this.cycle = cycle;
    this.index = index;
    this.usedBytes = used;
    if (leaveMs > nowMs) clock[0] = leaveMs;
    return true;
  }

  /** Index of the first opportunity at or after trace-period time `t` (length when none). */
  private firstAtOrAfter(t: number): number {
    const times = this.deliveryMs;
    let low = 0;
    let high = times.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (times[mid] < t) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
