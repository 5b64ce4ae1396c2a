import { createRng, deriveSeed } from '../plan/rng.js';
import type { PlannedSpike } from '../plan/types.js';
import { byChainOrder, createFrameStage, createPacketStage } from './stage-factory.js';
import { createPacketClock, DROP, isActive, type FrameStage, type PacketStage } from './stage.js';

/** Seed stream of a viewer's downlink draws (so a viewer's draws never repeat a participant's uplink draws). */
const DOWNLINK_SEED = 0xd0;

/** A stage and the participants whose streams it acts on (null: all of them). */
interface Targeted<S> {
  stage: S;
  participants: ReadonlySet<number> | null;
}

/**
 * One viewer's downlink: the `direction: downlink` spikes that target the viewer, as the same
 * stages the engines run on the uplink, applied by the probe to what the viewer receives before it
 * is measured. One instance per viewer: everything the viewer receives shares its link (one
 * bottleneck queue per `bandwidth_limit`, one loss chain), except that a spike naming
 * `participants` acts only on those participants' streams. Each stage draws from
 * `createRng(deriveSeed(spike.seed, DOWNLINK_SEED, viewerIndex))`: viewers hit by one spike get
 * independent, reproducible draws. Network stages give each packet a time it leaves the link (the
 * probe holds it until then) or DROP; `frame_drop` loses whole frames on the way (the probe asks
 * once per frame). Allocates nothing per packet.
 */
export class DownlinkChaos {
  private readonly packetStages: Targeted<PacketStage>[] = [];
  private readonly frameStages: Targeted<FrameStage>[] = [];
  /** Earliest start and latest end over the spikes: outside them a packet skips the chain. */
  private readonly fromMs: number;
  private readonly untilMs: number;
  private readonly clock = createPacketClock();

  constructor(
    readonly viewerIndex: number,
    spikes: readonly PlannedSpike[],
  ) {
    let fromMs = Infinity;
    let untilMs = -Infinity;
    for (const spike of spikes) {
      if (spike.direction !== 'downlink' || !(spike.viewerIds ?? []).includes(viewerIndex)) continue;
      const rng = createRng(deriveSeed(spike.seed, DOWNLINK_SEED, viewerIndex));
      const participants = spike.participantIds.length > 0 ? new Set(spike.participantIds) : null;
      const packetStage = createPacketStage(spike, rng);
      if (packetStage !== null) this.packetStages.push({ stage: packetStage, participants });
      const frameStage = createFrameStage(spike, rng);
      if (frameStage !== null) this.frameStages.push({ stage: frameStage, participants });
      fromMs = Math.min(fromMs, spike.startMs);
      untilMs = Math.max(untilMs, spike.endMs);
    }
    this.packetStages.sort((a, b) => byChainOrder(a.stage, b.stage));
    this.frameStages.sort((a, b) => byChainOrder(a.stage, b.stage));
    this.fromMs = fromMs;
    this.untilMs = untilMs;
  }

  /** Whether any downlink spike targets this viewer at all (else the probe never asks). */
  get empty(): boolean {
    return this.packetStages.length === 0 && this.frameStages.length === 0;
  }

  /** Whether a spike can be active at `nowMs` (run ms): outside [first start, last end) every packet passes untouched. */
  mayAct(nowMs: number): boolean {
    return nowMs >= this.fromMs && nowMs < this.untilMs;
  }

  /** Whether a frame_drop spike targets this viewer: the probe then asks `dropsFrame` once per video frame. */
  hasFrameStages(): boolean {
    return this.frameStages.length > 0;
  }

  /**
   * Per packet of `participantId` arriving at the probe at `nowMs` (run ms): when it leaves the
   * viewer's link (ms, >= nowMs) or DROP. `bytes` is header + payload. As the uplink chain: each
   * active stage takes the previous one's leave time, DROP ends the chain. Allocates nothing.
   */
  processPacket(bytes: number, nowMs: number, participantId: number): number {
    const clock = this.clock;
    clock[0] = nowMs;
    const stages = this.packetStages;
    for (let i = 0; i < stages.length; i++) {
      const { stage, participants } = stages[i];
      if (!isActive(stage.spike, nowMs) || (participants !== null && !participants.has(participantId))) continue;
      if (!stage.process(bytes, clock)) return DROP;
    }
    return clock[0];
  }

  /**
   * Per video frame of `participantId` (asked at its first packet to arrive, at `nowMs`): whether
   * the link loses the whole frame. Keyframes are never lost this way (as on the uplink: what
   * follows depends on them). Allocates nothing.
   */
  dropsFrame(keyframe: boolean, nowMs: number, participantId: number): boolean {
    const stages = this.frameStages;
    for (let i = 0; i < stages.length; i++) {
      const { stage, participants } = stages[i];
      if (!isActive(stage.spike, nowMs) || (participants !== null && !participants.has(participantId))) continue;
      if (stage.planFrame(1, 0, keyframe, nowMs) === 0) return true;
    }
    return false;
  }
}
