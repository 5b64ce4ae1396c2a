import type { Rng } from '../plan/rng.js';
import type { NetworkSpikeType, PlannedSpike } from '../plan/types.js';
import { BandwidthLimitStage } from './bandwidth-limit.js';
import { BitrateReduceStage } from './bitrate-reduce.js';
import { FrameDropStage } from './frame-drop.js';
import { MahimahiLinkStage } from './mahimahi-link.js';
import { NetworkJitterStage } from './network-jitter.js';
import { PacketLossStage } from './packet-loss.js';
import type { FrameStage, PacketStage } from './stage.js';
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

/** Sort order of a chain's stages: by CHAIN_ORDER, then by start. */
export function byChainOrder(a: { spike: PlannedSpike }, b: { spike: PlannedSpike }): number {
  // Stages exist for network spikes only (never for sut_* or layer_switch).
  return CHAIN_ORDER[a.spike.type as NetworkSpikeType] - CHAIN_ORDER[b.spike.type as NetworkSpikeType] || a.spike.startMs - b.spike.startMs;
}

/**
 * The network-side stage of a spike (loss, jitter, a bandwidth queue, a trace), drawing from `rng`;
 * null for other types. Called when a participant's (or a viewer's) chaos is built. Throws
 * AvcmError E_SCENARIO when the spike's parameters are missing or out of range.
 */
export function createPacketStage(spike: PlannedSpike, rng: Rng): PacketStage | null {
  switch (spike.type) {
    case 'rtp_packet_loss':
      return new PacketLossStage(spike, rng);
    case 'network_jitter':
      return new NetworkJitterStage(spike, rng);
    case 'bandwidth_limit':
      return new BandwidthLimitStage(spike);
    case 'trace':
      return spike.trace?.kind === 'mahimahi' ? new MahimahiLinkStage(spike) : new TimelineReplayStage(spike, rng);
    default:
      return null;
  }
}

/** The encoder-side stage of a spike (frame drop, bitrate reduction); null for other types. Throws like `createPacketStage`. */
export function createFrameStage(spike: PlannedSpike, rng: Rng): FrameStage | null {
  switch (spike.type) {
    case 'frame_drop':
      return new FrameDropStage(spike, rng);
    case 'bitrate_reduce':
      return new BitrateReduceStage(spike);
    default:
      return null;
  }
}
