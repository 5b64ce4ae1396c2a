/**
 * The chaos stage contracts (after pion/interceptor's chain): encoder-side stages decide per video
 * frame how much of it the "encoder" emits; network-side stages decide per packet when it leaves
 * or that it is lost. Stages are pure functions of (input, time, seeded randomness): no sockets,
 * no timers, so they are tested with plain numbers as the clock.
 */
import type { PlannedSpike } from '../plan/types.js';

/** A packet a network-side stage loses. Its sequence number was already consumed. */
export const DROP = -1;

/**
 * A packet's time on its way through a chain of network stages, ms since run start, in slot 0:
 * a stage reads when the packet reaches it and writes when the packet leaves it. A typed array,
 * because a float passed to or returned from a call that V8 does not inline is boxed (a 16 B
 * allocation per packet), and whether V8 inlines a stage depends on the chain it is in.
 */
export type PacketClock = Float64Array;

/** A chain's clock: one per chain, reused for every packet. */
export function createPacketClock(): PacketClock {
  return new Float64Array(1);
}

/** Network side, per packet. */
export interface PacketStage {
  readonly spike: PlannedSpike;
  /**
   * Moves `clock[0]` from when the packet reaches the stage to when it leaves it (never earlier);
   * false when the stage loses the packet. Called only while the spike is active.
   */
  process(bytes: number, clock: PacketClock): boolean;
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
