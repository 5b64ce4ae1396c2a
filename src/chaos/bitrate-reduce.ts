import type { PlannedSpike } from '../plan/types.js';
import type { FrameStage } from './stage.js';

/**
 * `bitrate_reduce`: the "encoder" emits fewer bytes. Frames are shared, pre-encoded buffers, so
 * the reduction is made the way a layered/refining encoder sheds rate: a multi-packet frame is cut
 * to its first ceil(n * (1 - r)) packets (the tail refinement is not produced), and single-packet
 * frames are skipped with an error-diffusion accumulator so the byte rate still follows r.
 * Keyframes stay whole. The engine numbers only what is emitted: no sequence gaps. The reduction
 * ramps linearly from 0 to r over `transitionMs` after the start and back over the last `transitionMs`.
 */
export class BitrateReduceStage implements FrameStage {
  private readonly reduction: number;
  private readonly transitionMs: number;
  private skipDebt = 0;

  constructor(readonly spike: PlannedSpike) {
    this.reduction = Math.min(1, Math.max(0, (spike.params.reductionPercent ?? 0) / 100));
    this.transitionMs = Math.max(0, spike.params.transitionMs ?? 0);
  }

  /** The reduction in force at `nowMs` (0..1), following the ramps. */
  reductionAt(nowMs: number): number {
    const t = this.transitionMs;
    if (t === 0) return this.reduction;
    const sinceStart = nowMs - this.spike.startMs;
    const untilEnd = this.spike.endMs - nowMs;
    const ramp = Math.min(1, Math.max(0, Math.min(sinceStart, untilEnd) / t));
    return this.reduction * ramp;
  }

  planFrame(packetCount: number, _frameBytes: number, keyframe: boolean, nowMs: number): number {
    if (keyframe) return packetCount;
    const r = this.reductionAt(nowMs);
    if (packetCount > 1) return Math.max(1, Math.ceil(packetCount * (1 - r)));
    this.skipDebt += r;
    if (this.skipDebt >= 1) {
      this.skipDebt -= 1;
      return 0;
    }
    return packetCount;
  }
}
