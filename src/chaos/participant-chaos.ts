import { createRng, deriveSeed } from '../plan/rng.js';
import { isSutSpike, isViewerSide, type PlannedSpike } from '../plan/types.js';
import { byChainOrder, createFrameStage, createPacketStage } from './stage-factory.js';
import { createPacketClock, DROP, isActive, type FrameStage, type PacketStage } from './stage.js';

/**
 * True when the spike hits this participant's media; `sut_*` spikes act on the system under test
 * (the runner's), downlink spikes and layer_switch on what viewers receive (the probe's), never here.
 */
function targets(spike: PlannedSpike, participantId: number): boolean {
  return !isSutSpike(spike.type) && !isViewerSide(spike) && spike.participantIds.includes(participantId);
}

/**
 * One participant's chaos: a stage per spike that targets it, each active only while the send
 * time is in its spike's [startMs, endMs) and a pass-through otherwise. Every stage draws from its
 * own rng, `createRng(deriveSeed(spike.seed, participantId))`, so participants hit by the same spike
 * get independent but reproducible draws, and adding a spike never shifts another one's draws.
 * One instance serves all of the participant's streams (video and audio share the bottleneck).
 */
export class ParticipantChaos {
  private readonly packetStages: PacketStage[] = [];
  private readonly frameStages: FrameStage[] = [];
  /** Spikes in the order they were added, for `activeSpikeIds`. */
  private readonly spikes: PlannedSpike[] = [];
  private readonly clock = createPacketClock();

  constructor(
    readonly participantId: number,
    spikes: readonly PlannedSpike[] = [],
  ) {
    for (const spike of spikes) this.addSpike(spike);
  }

  /**
   * Adds a spike's stage: at construction, and for live injection (REST) while the run goes on; it
   * acts from `spike.startMs`. Ignored when the spike does not target this participant or a spike
   * with the same id was added already (a repeated injection must not double the impairment).
   * Throws AvcmError E_SCENARIO when the spike's parameters are missing or out of range.
   */
  addSpike(spike: PlannedSpike): void {
    if (!targets(spike, this.participantId) || this.spikes.some((s) => s.id === spike.id)) return;
    const rng = createRng(deriveSeed(spike.seed, this.participantId));
    const packetStage = createPacketStage(spike, rng);
    if (packetStage !== null) this.packetStages.push(packetStage);
    const frameStage = createFrameStage(spike, rng);
    if (frameStage !== null) this.frameStages.push(frameStage);
    this.spikes.push(spike);
    this.packetStages.sort(byChainOrder);
    this.frameStages.sort(byChainOrder);
  }

  /**
   * Per video frame, before packetizing: how many of its first packets to emit now (0 skips the
   * frame, `packetCount` emits it whole). `frameBytes` is the frame's payload size, `nowMs` the
   * send time in ms since run start. Allocates nothing.
   */
  planVideoFrame(packetCount: number, frameBytes: number, keyframe: boolean, nowMs: number): number {
    let count = packetCount;
    for (let i = 0; i < this.frameStages.length && count > 0; i++) {
      const stage = this.frameStages[i];
      // A later stage thins what the earlier one left, never more than that.
      if (isActive(stage.spike, nowMs)) count = Math.min(count, stage.planFrame(count, frameBytes, keyframe, nowMs));
    }
    return count;
  }

  /**
   * Per packet, after its header was stamped: the time it leaves (ms since run start, >= nowMs) or
   * DROP. `bytes` is header + payload. Each active stage gets the previous stage's leave time as
   * its input time, and DROP ends the chain. Allocates nothing.
   */
  processPacket(bytes: number, nowMs: number): number {
    const clock = this.clock;
    clock[0] = nowMs;
    for (let i = 0; i < this.packetStages.length; i++) {
      const stage = this.packetStages[i];
      if (isActive(stage.spike, nowMs) && !stage.process(bytes, clock)) return DROP;
    }
    return clock[0];
  }

  /** Ids of this participant's spikes active at `nowMs` (ms since run start), in the order added. For progress, not per packet. */
  activeSpikeIds(nowMs: number): string[] {
    return activeSpikesAt(this.spikes, nowMs);
  }
}

/**
 * Builds a participant's chaos when its engine starts: null when no spike targets it, so the
 * engine skips chaos entirely on the fast path (a later live spike then needs
 * `createParticipantChaos([spike], id)`). Throws AvcmError E_SCENARIO for broken spike parameters.
 */
export function createParticipantChaos(spikes: readonly PlannedSpike[], participantId: number): ParticipantChaos | null {
  return spikes.some((s) => targets(s, participantId)) ? new ParticipantChaos(participantId, spikes) : null;
}

/** Ids of the spikes active at `nowMs` (ms since run start), in the given order: for progress display and metrics. */
export function activeSpikesAt(spikes: readonly PlannedSpike[], nowMs: number): string[] {
  const ids: string[] = [];
  for (const spike of spikes) if (isActive(spike, nowMs)) ids.push(spike.id);
  return ids;
}
