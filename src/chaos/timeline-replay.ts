import type { PlannedSpike } from '../plan/types.js';
import type { Rng } from '../plan/rng.js';
import { spikeParam } from './spike-params.js';
import type { PacketClock, PacketStage } from './stage.js';
import { traceOf } from './trace-source.js';

/** Scenario default of `queue`. */
const DEFAULT_QUEUE_MS = 200;
/** Burst the bottleneck passes at line rate (as bandwidth_limit: max(10 ms, one full-size packet) at the row's rate). */
const BURST_MS = 10;
const MIN_BURST_BYTES = 1500;

/**
 * `trace` with a timeline (CSV/JSON): replays recorded loss, delay, jitter and bandwidth on the
 * participant's path, row by row from the spike's start (trace time = send time − start, modulo the
 * trace's length, so a spike longer than the trace replays it again). Per packet, in the row in
 * force when it is sent:
 * 1. loss: lost with probability loss_percent / 100 (Bernoulli, from the stage's seeded rng);
 * 2. bandwidth: a bottleneck queue shared by all of the participant's packets, as
 *    `bandwidth_limit` (virtual queue with a burst allowance, tail drop beyond `queue`), at the
 *    row's rate: the rate in force when a packet joins the queue sets how long its bytes hold the
 *    link. A row without bandwidth leaves the link unlimited (what is queued still drains first);
 * 3. delay: the row's delay_ms plus jitter_ms · N(0, 1), clamped at 0, after the bottleneck (the
 *    packet may be reordered, as network_jitter does).
 * Rows are cells of typed arrays and the row cursor moves forward with time, so a packet costs a
 * few comparisons and allocates nothing. Same seed and packet sequence => same drops and leave
 * times (the replay is deterministic).
 */
export class TimelineReplayStage implements PacketStage {
  readonly periodMs: number;
  readonly queueMs: number;
  private readonly tMs: Float64Array;
  /** Per row; NaN where the trace leaves the row unimpaired. */
  private readonly lossShare: Float64Array;
  private readonly delayMs: Float64Array;
  private readonly jitterMs: Float64Array;
  private readonly msPerByte: Float64Array;
  private row = 0;
  /** The jitter draw's cell (see Rng.gaussianInto). */
  private readonly draw = new Float64Array(1);
  /** When the link has sent everything accepted so far, ms since run start. */
  private queueFreeAtMs = -Infinity;

  constructor(
    readonly spike: PlannedSpike,
    private readonly rng: Rng,
  ) {
    const trace = traceOf(spike, 'timeline');
    this.periodMs = trace.periodMs;
    this.queueMs = spikeParam(spike, 'queueMs', DEFAULT_QUEUE_MS, 0);
    const column = (values: (number | null)[], map: (v: number) => number): Float64Array => Float64Array.from(values, (v) => (v === null ? Number.NaN : map(v)));
    this.tMs = Float64Array.from(trace.tMs);
    this.lossShare = column(trace.lossPercent, (v) => v / 100);
    this.delayMs = column(trace.delayMs, (v) => v);
    this.jitterMs = column(trace.jitterMs, (v) => v);
    this.msPerByte = column(trace.bandwidthKbps, (kbps) => 8 / kbps); // 8 bits per byte / (kbit/s = bits per ms)
  }

  /** The row in force at `nowMs` (ms since run start): the cursor moves forward, and searches again when time wraps or goes back. */
  rowAt(nowMs: number): number {
    let t = (nowMs - this.spike.startMs) % this.periodMs;
    if (t < 0) t += this.periodMs;
    const times = this.tMs;
    let row = this.row;
    if (t < times[row]) row = 0;
    while (row + 1 < times.length && times[row + 1] <= t) row++;
    this.row = row;
    return row;
  }

  /** Per packet: false when the row's loss or the queue bound loses it, else holds it for the queue and the row's delay. Allocates nothing. */
  process(bytes: number, clock: PacketClock): boolean {
    const nowMs = clock[0];
    const row = this.rowAt(nowMs);
    const loss = this.lossShare[row];
    if (loss > 0 && this.rng.chance(loss)) return false;
    let leaveMs = nowMs;
    const msPerByte = this.msPerByte[row];
    const busyUntilMs = this.queueFreeAtMs > nowMs ? this.queueFreeAtMs : nowMs;
    if (msPerByte === msPerByte) {
      const burstMs = Math.max(BURST_MS, MIN_BURST_BYTES * msPerByte);
      leaveMs = busyUntilMs - burstMs > nowMs ? busyUntilMs - burstMs : nowMs;
      if (leaveMs - nowMs > this.queueMs) return false;
      this.queueFreeAtMs = busyUntilMs + bytes * msPerByte;
    } else if (this.queueFreeAtMs > nowMs) {
      // Unlimited now, but what the limited rows queued leaves first.
      leaveMs = this.queueFreeAtMs;
    }
    const base = this.delayMs[row];
    const sigma = this.jitterMs[row];
    let delayMs = base === base ? base : 0;
    if (sigma > 0) {
      this.rng.gaussianInto(this.draw, 0);
      delayMs += sigma * this.draw[0];
    }
    clock[0] = delayMs > 0 ? leaveMs + delayMs : leaveMs;
    return true;
  }
}
