import type { PlannedSpike } from '../plan/types.js';
import type { Rng } from '../plan/rng.js';
import type { FrameStage } from './stage.js';

/**
 * `frame_drop`: the encoder skips a share of the video frames before packetizing, so the receiver
 * sees fewer frames but no sequence gaps. Keyframes are never skipped: an encoder under pressure
 * keeps its IDRs (they are the recovery points), and the clip loop restarts on one.
 */
export class FrameDropStage implements FrameStage {
  private readonly p: number;

  constructor(
    readonly spike: PlannedSpike,
    private readonly rng: Rng,
  ) {
    this.p = Math.min(1, Math.max(0, (spike.params.dropPercent ?? 0) / 100));
  }

  planFrame(packetCount: number, _frameBytes: number, keyframe: boolean): number {
    if (keyframe) return packetCount;
    return this.rng.next() < this.p ? 0 : packetCount;
  }
}
