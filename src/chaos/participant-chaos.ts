import { createRng, deriveSeed } from '../plan/rng.js';
import type { PlannedSpike } from '../plan/types.js';
import { BandwidthLimitStage } from './bandwidth-limit.js';
import { BitrateReduceStage } from './bitrate-reduce.js';
import { FrameDropStage } from './frame-drop.js';
import { NetworkJitterStage } from './network-jitter.js';
import { PacketLossStage } from './packet-loss.js';
import { DROP, isActive, type FrameStage, type PacketStage } from './stage.js';

/** Network-side order: loss on the path, then the path's delay variation, then the bottleneck queue. */
const PACKET_ORDER = { rtp_packet_loss: 0, network_jitter: 1, bandwidth_limit: 2 } as const;
/** Encoder-side order: whole frames are skipped before the remaining ones are thinned. */
const FRAME_ORDER = { frame_drop: 0, bitrate_reduce: 1 } as const;

/**
 * One participant's chaos: the stages of every spike that targets it, each active only inside its
 * spike's window. Per packet / per frame it walks a short array; nothing is allocated.
 */
export class ParticipantChaos {
  private packetStages: PacketStage[] = [];
  private frameStages: FrameStage[] = [];

  constructor(
    readonly participantId: number,
    spikes: readonly PlannedSpike[],
  ) {
    for (const spike of spikes) this.addSpike(spike);
  }

  /** Adds a spike's stage (live injection too); ignored when the spike does not target this participant. */
  addSpike(spike: PlannedSpike): void {
    if (!spike.participantIds.includes(this.participantId)) return;
    const rng = createRng(deriveSeed(spike.seed, this.participantId));
    switch (spike.type) {
      case 'rtp_packet_loss':
        this.packetStages.push(new PacketLossStage(spike, rng));
        break;
      case 'network_jitter':
        this.packetStages.push(new NetworkJitterStage(spike, rng));
        break;
      case 'bandwidth_limit':
        this.packetStages.push(new BandwidthLimitStage(spike));
        break;
      case 'frame_drop':
        this.frameStages.push(new FrameDropStage(spike, rng));
        break;
      case 'bitrate_reduce':
        this.frameStages.push(new BitrateReduceStage(spike));
        break;
    }
    this.packetStages.sort((a, b) => PACKET_ORDER[a.spike.type as keyof typeof PACKET_ORDER] - PACKET_ORDER[b.spike.type as keyof typeof PACKET_ORDER] || a.spike.startMs - b.spike.startMs);
    this.frameStages.sort((a, b) => FRAME_ORDER[a.spike.type as keyof typeof FRAME_ORDER] - FRAME_ORDER[b.spike.type as keyof typeof FRAME_ORDER] || a.spike.startMs - b.spike.startMs);
  }

  /** Packets of this video frame to emit now (0 = the frame is skipped). */
  planVideoFrame(packetCount: number, frameBytes: number, keyframe: boolean, nowMs: number): number {
    let count = packetCount;
    for (let i = 0; i < this.frameStages.length && count > 0; i++) {
      const stage = this.frameStages[i];
      if (isActive(stage.spike, nowMs)) count = Math.min(count, stage.planFrame(count, frameBytes, keyframe, nowMs));
    }
    return count;
  }

  /** Leave time of a packet (ms, >= nowMs) or DROP. A later stage sees the packet when the earlier one releases it. */
  processPacket(bytes: number, nowMs: number): number {
    let atMs = nowMs;
    for (let i = 0; i < this.packetStages.length; i++) {
      const stage = this.packetStages[i];
      if (!isActive(stage.spike, nowMs)) continue;
      atMs = stage.process(bytes, atMs);
      if (atMs === DROP) return DROP;
    }
    return atMs;
  }

  activeSpikeIds(nowMs: number): string[] {
    return [...this.packetStages, ...this.frameStages].filter((s) => isActive(s.spike, nowMs)).map((s) => s.spike.id);
  }
}

/** The participant's chaos, or null when no spike targets it (the engine then skips chaos entirely). */
export function createParticipantChaos(spikes: readonly PlannedSpike[], participantId: number): ParticipantChaos | null {
  return spikes.some((s) => s.participantIds.includes(participantId)) ? new ParticipantChaos(participantId, spikes) : null;
}

/** Ids of the spikes active at `nowMs` (run-relative), for progress and metrics. */
export function activeSpikesAt(spikes: readonly PlannedSpike[], nowMs: number): string[] {
  return spikes.filter((s) => isActive(s, nowMs)).map((s) => s.id);
}
