import type { PlannedSpike } from '../plan/types.js';
import { spikeParam } from './spike-params.js';
import type { PacketClock, PacketStage } from './stage.js';

/** Scenario default of `queue`. */
const DEFAULT_QUEUE_MS = 200;
/** Burst the bucket passes at line rate before queueing starts, ms of the limited rate... */
const BURST_MS = 10;
/** ...but at least one full-size packet, so that at low limits a lone packet is never delayed by its own size. */
const MIN_BURST_BYTES = 1500;

/**
 * `bandwidth_limit`: the participant's bottleneck link. One instance is shared by all of a
 * participant's media (video and audio compete for the same link), as a virtual queue:
 * `queueFreeAtMs` is when the link has sent everything accepted so far, and a packet arriving at
 * `nowMs` leaves at max(nowMs, queueFreeAtMs − burst), after which the link is busy for its
 * bytes · 8 / kbps ms. The burst (a token bucket of max(10 ms, 1500 B) worth) lets traffic well
 * under the limit through with no added delay even though a frame's packets arrive together. A
 * packet that would wait more than `queueMs` is tail-dropped (a bounded queue, as in a router) and
 * uses no capacity. The output rate is therefore at most the limit (plus one burst) and the queueing delay at most
 * `queueMs`. When the spike ends, packets already accepted keep their leave times and new ones pass.
 */
export class BandwidthLimitStage implements PacketStage {
  readonly bandwidthKbps: number;
  readonly queueMs: number;
  /** Link time one byte takes, ms. */
  private readonly msPerByte: number;
  private readonly burstMs: number;
  /** When the link has sent everything accepted so far, ms since run start. */
  private queueFreeAtMs = -Infinity;

  constructor(readonly spike: PlannedSpike) {
    this.bandwidthKbps = spikeParam(spike, 'bandwidthKbps', undefined, 0, Infinity, true);
    this.queueMs = spikeParam(spike, 'queueMs', DEFAULT_QUEUE_MS, 0);
    this.msPerByte = 8 / this.bandwidthKbps; // 8 bits per byte / (kbit/s = bits per ms)
    this.burstMs = Math.max(BURST_MS, MIN_BURST_BYTES * this.msPerByte);
  }

  /** Per packet: holds it until the bottleneck has sent what was queued before it; false when the queue is full. Allocates nothing. */
  process(bytes: number, clock: PacketClock): boolean {
    const nowMs = clock[0];
    const busyUntilMs = this.queueFreeAtMs > nowMs ? this.queueFreeAtMs : nowMs;
    const leaveMs = busyUntilMs - this.burstMs > nowMs ? busyUntilMs - this.burstMs : nowMs;
    if (leaveMs - nowMs > this.queueMs) return false;
    this.queueFreeAtMs = busyUntilMs + bytes * this.msPerByte;
    clock[0] = leaveMs;
    return true;
  }
}
