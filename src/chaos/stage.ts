/**
 * The chaos stage contracts (after pion/interceptor's chain): encoder-side stages decide per video
 * frame how much of it the "encoder" emits; network-side stages decide per packet when it leaves
 * or that it is lost. Stages are pure functions of (input, time, seeded randomness): no sockets,
 * no timers, so they are tested with plain numbers as the clock.
 */
import type { PlannedSpike } from '../plan/types.js';

/** A packet a network-side stage loses. Its sequence number was already consumed. */
export const DROP = -1;

/** Network side, per packet. */
export interface PacketStage {
  readonly spike: PlannedSpike;
  /** Leave time in ms (>= nowMs) or DROP. Called only while the spike is active. */
  process(bytes: number, nowMs: number): number;
}

/** Encoder side, per video frame. */
export interface FrameStage {
  readonly spike: PlannedSpike;
  /** How many of the frame's packets to emit: 0 skips the frame, packetCount emits it whole. */
  planFrame(packetCount: number, frameBytes: number, keyframe: boolean, nowMs: number): number;
}

/** True while `nowMs` (ms since run start) is in the spike's [startMs, endMs): outside it a stage is a pass-through. */
export function isActive(spike: PlannedSpike, nowMs: number): boolean {
  return nowMs >= spike.startMs && nowMs < spike.endMs;
}
