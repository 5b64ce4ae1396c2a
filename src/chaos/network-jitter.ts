import type { PlannedSpike } from '../plan/types.js';
import type { Rng } from '../plan/rng.js';
import type { PacketStage } from './stage.js';

/**
 * `network_jitter`: each packet is held for max(0, base + sigma * N(0,1)) ms. Packets leave in
 * leave-time order, so a short draw after a long one overtakes it: reordering, as on a real path.
 */
export class NetworkJitterStage implements PacketStage {
  private readonly baseMs: number;
  private readonly stdDevMs: number;

  constructor(
    readonly spike: PlannedSpike,
    private readonly rng: Rng,
  ) {
    this.baseMs = spike.params.baseLatencyMs ?? 0;
    this.stdDevMs = spike.params.jitterStdDevMs ?? 0;
  }

  process(_bytes: number, nowMs: number): number {
    const delayMs = this.baseMs + this.stdDevMs * this.rng.gaussian();
    return delayMs > 0 ? nowMs + delayMs : nowMs;
  }
}
