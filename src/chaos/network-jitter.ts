import type { PlannedSpike } from '../plan/types.js';
import type { Rng } from '../plan/rng.js';
import { spikeParam } from './spike-params.js';
import type { PacketClock, PacketStage } from './stage.js';

/**
 * `network_jitter`: each packet is held for max(0, base + σ · N(0, 1)) ms, drawn independently.
 * No FIFO is enforced: a short draw after a long one overtakes it, which is the reordering a real
 * multi-path network produces and what the receiver's jitter buffer must absorb. The clamp at 0
 * (no packet leaves before it was sent) makes the mean a little above `base` when σ is not ≪ base.
 */
export class NetworkJitterStage implements PacketStage {
  readonly baseLatencyMs: number;
  readonly jitterStdDevMs: number;
  /** The draw's cell (see Rng.gaussianInto). */
  private readonly draw = new Float64Array(1);

  constructor(
    readonly spike: PlannedSpike,
    private readonly rng: Rng,
  ) {
    this.baseLatencyMs = spikeParam(spike, 'baseLatencyMs', 0, 0);
    this.jitterStdDevMs = spikeParam(spike, 'jitterStdDevMs', undefined, 0);
  }

  /** Per packet: holds it for its drawn delay; never loses it. Allocates nothing. */
  process(_bytes: number, clock: PacketClock): boolean {
    this.rng.gaussianInto(this.draw, 0);
    const delayMs = this.baseLatencyMs + this.jitterStdDevMs * this.draw[0];
    if (delayMs > 0) clock[0] += delayMs;
    return true;
  }
}
