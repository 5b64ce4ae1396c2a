import type { PlannedSpike } from '../plan/types.js';
import { spikeParam } from './spike-params.js';
import type { FrameStage } from './stage.js';

/** Scenario default of `transition`. */
const DEFAULT_TRANSITION_MS = 2000;

/**
 * `bitrate_reduce`: the "encoder" emits a share r fewer video bytes.
 *
 * Model. Frames are pre-encoded, shared, immutable buffers, so the stage cannot re-encode; it sheds
 * rate the way a layered/refining encoder does, by not producing the tail of a frame:
 * - a non-key frame of n packets emits its first ceil(n · (1 − r)) packets (the head carries the
 *   slice header and the coarse data; the tail is refinement). The engine numbers only what it
 *   emits and puts the marker on the last emitted packet, so there is no sequence gap;
 * - a single-packet frame cannot be cut, so a share r of them is skipped;
 * - keyframes are kept whole (they are the recovery points everything after depends on).
 * Both cases run through one deterministic error-diffusion accumulator in bytes (no rng): each
 * frame's target is (1 − r) of its bytes, the emitted bytes beyond the targets so far are the
 * carry, and a frame emits ceil((target − carry) / bytes per packet) packets. With no carry that
 * is exactly the ceil above; the carry only takes back what earlier ceils over-sent, so the byte
 * rate follows (1 − r) even for 2-3 packet frames, where a plain ceil would keep 67 % at r = 50 %.
 * Packets of a frame are counted as equal (frameBytes / n): the last one is usually shorter, which
 * makes the emitted share a little lower than estimated, never higher.
 *
 * The reduction ramps linearly from 0 to r over the first `transitionMs` of the spike and back to 0
 * over the last `transitionMs` (a rate controller does not jump); a spike shorter than two
 * transitions peaks below r.
 */
export class BitrateReduceStage implements FrameStage {
  /** Full reduction, 0..1. */
  readonly reductionShare: number;
  readonly transitionMs: number;
  /** Bytes emitted beyond the targets so far, in [0, one packet). */
  private carryBytes = 0;

  constructor(readonly spike: PlannedSpike) {
    // new_bitrate_kbps above the clip's own rate plans a negative reduction: nothing to shed.
    this.reductionShare = Math.max(0, spikeParam(spike, 'reductionPercent', undefined, -Infinity, 100)) / 100;
    this.transitionMs = spikeParam(spike, 'transitionMs', DEFAULT_TRANSITION_MS, 0);
  }

  /** The reduction in force at `nowMs` (ms since run start), 0..1, following the ramps. */
  reductionAt(nowMs: number): number {
    const t = this.transitionMs;
    if (t === 0) return this.reductionShare;
    const rampMs = Math.min(nowMs - this.spike.startMs, this.spike.endMs - nowMs);
    return this.reductionShare * Math.min(1, Math.max(0, rampMs / t));
  }

  /** Per video frame: how many of its first packets to emit (0 skips it). Allocates nothing. */
  planFrame(packetCount: number, frameBytes: number, keyframe: boolean, nowMs: number): number {
    if (keyframe || packetCount <= 0) return packetCount;
    const packetBytes = frameBytes > 0 ? frameBytes / packetCount : 1;
    const targetBytes = packetBytes * packetCount * (1 - this.reductionAt(nowMs));
    // The 1e-9 keeps float noise (2.0000000001 packets) from costing a whole extra packet.
    let emit = Math.ceil((targetBytes - this.carryBytes) / packetBytes - 1e-9);
    if (emit <= 0) emit = 0; // also turns -0 into 0
    else if (emit > packetCount) emit = packetCount;
    this.carryBytes += emit * packetBytes - targetBytes;
    if (this.carryBytes < 0) this.carryBytes = 0;
    return emit;
  }
}
