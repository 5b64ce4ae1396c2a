import type { PlannedSpike } from '../plan/types.js';
import type { Rng } from '../plan/rng.js';
import { spikeShare } from './spike-params.js';
import type { FrameStage } from './stage.js';

/**
 * `frame_drop`: the "encoder" skips whole video frames with probability p before they are
 * packetized. The engine numbers only what it emits, so a skipped frame leaves no sequence gap:
 * the receiver sees a lower frame rate, not loss (that is the difference to `rtp_packet_loss`).
 *
 * Keyframes are never skipped: an encoder shedding load drops predicted frames and keeps its IDRs,
 * because every later frame up to the next IDR depends on it; and the shared clip loops by
 * restarting on its keyframe, which must arrive for the restart to decode.
 */
export class FrameDropStage implements FrameStage {
  /** Skip probability of a non-key frame, 0..1. */
  readonly dropShare: number;

  constructor(
    readonly spike: PlannedSpike,
    private readonly rng: Rng,
  ) {
    this.dropShare = spikeShare(spike, 'dropPercent');
  }

  /** Per video frame: 0 (skip) or `packetCount` (emit whole). Allocates nothing. */
  planFrame(packetCount: number, _frameBytes: number, keyframe: boolean): number {
    if (keyframe) return packetCount;
    return this.rng.chance(this.dropShare) ? 0 : packetCount;
  }
}
