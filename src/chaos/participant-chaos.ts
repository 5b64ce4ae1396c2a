import { createRng, deriveSeed } from '../plan/rng.js';
import { isSutSpike, isViewerSide, type NetworkSpikeType, type PlannedSpike } from '../plan/types.js';
import { BandwidthLimitStage } from './bandwidth-limit.js';
import { BitrateReduceStage } from './bitrate-reduce.js';
import { FrameDropStage } from './frame-drop.js';
import { MahimahiLinkStage } from './mahimahi-link.js';
import { NetworkJitterStage } from './network-jitter.js';
import { PacketLossStage } from './packet-loss.js';
import { DROP, isActive, type FrameStage, type PacketStage } from './stage.js';
import { TimelineReplayStage } from './timeline-replay.js';

/**
 * Chain position of each stage type. Encoder side: whole frames are skipped before the remaining
 * ones are thinned (thinning a frame that is then skipped would spend the byte budget twice).
 * Network side: loss and jitter model the lossy, variable path up to the bottleneck, the bottleneck
 * queue comes last, so what leaves the chain never exceeds the limited rate (a receiver-side
 * bitrate assertion under `bandwidth_limit` holds) and the queue sees packets when jitter lets them
 * arrive. A trace replays a whole recorded path (loss, its own bottleneck, delay) and sits with
 * the jitter. Same-type spikes that overlap are simply chained, in start order.
 */
const CHAIN_ORDER: Record<NetworkSpikeType, number> = { frame_drop: 0, bitrate_reduce: 1, rtp_packet_loss: 0, network_jitter: 1, trace: 1, bandwidth_limit: 2 };

function byChainOrder(a: { spike: PlannedSpike }, b: { spike: PlannedSpike }): number {
  // Stages exist for network spikes only (see `targets`).
  return CHAIN_ORDER[a.spike.type as NetworkSpikeType] - CHAIN_ORDER[b.spike.type as NetworkSpikeType] || a.spike.startMs - b.spike.startMs;
}

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
      case 'trace':
        this.packetStages.push(spike.trace?.kind === 'mahimahi' ? new MahimahiLinkStage(spike) : new TimelineReplayStage(spike, rng));
        break;
    }
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
    let atMs = nowMs;
    for (let i = 0; i < this.packetStages.length; i++) {
      const stage = this.packetStages[i];
      if (!isActive(stage.spike, nowMs)) continue;
      atMs = stage.process(bytes, atMs);
      if (atMs === DROP) return DROP;
    }
    return atMs;
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
