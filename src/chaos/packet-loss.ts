import type { PlannedSpike } from '../plan/types.js';
import type { Rng } from '../plan/rng.js';
import { spikeParam, spikeShare } from './spike-params.js';
import type { PacketClock, PacketStage } from './stage.js';

/** Scenario default of `mean_burst_packets`. */
const DEFAULT_MEAN_BURST_PACKETS = 3;

/**
 * `rtp_packet_loss`: the path loses packets after the engine stamped them, so a lost packet has
 * consumed its sequence number and the receiver sees the gap (that is what the probe measures).
 *
 * - `random`: each packet is lost with probability p (Bernoulli).
 * - `burst`: a Gilbert-Elliott chain, loss probability 1 in Bad and 0 in Good. Bad lasts a
 *   geometric number of packets with mean L = 1 / p(B→G), so p(B→G) = 1 / meanBurstPackets. The
 *   stationary share of Bad (= the loss rate) is
 *       π_B = p(G→B) / (p(G→B) + p(B→G)) = p   ⇒   p(G→B) = p · p(B→G) / (1 − p) = p / (L · (1 − p)).
 *   When that exceeds 1 (p > L / (L + 1): e.g. 80 % loss with bursts of 3) the rate cannot be
 *   reached with bursts that short; the rate is what the scenario asserts on, so the bursts are
 *   stretched instead: p(G→B) = 1, p(B→G) = (1 − p) / p.
 */
export class PacketLossStage implements PacketStage {
  /** Loss probability, 0..1. */
  readonly lossShare: number;
  /** Bad-state dwell actually used, packets (may exceed the requested one, see above). */
  readonly meanBurstPackets: number;
  private readonly burst: boolean;
  private readonly goodToBad: number;
  private readonly badToGood: number;
  private bad = false;

  constructor(
    readonly spike: PlannedSpike,
    private readonly rng: Rng,
  ) {
    const p = spikeShare(spike, 'lossPercent');
    const requestedBurst = spikeParam(spike, 'meanBurstPackets', DEFAULT_MEAN_BURST_PACKETS, 1);
    this.lossShare = p;
    this.burst = spike.params.pattern === 'burst';
    if (p >= 1) {
      this.goodToBad = 1;
      this.badToGood = 0;
    } else if (p / (requestedBurst * (1 - p)) <= 1) {
      this.badToGood = 1 / requestedBurst;
      this.goodToBad = p / (requestedBurst * (1 - p));
    } else {
      this.goodToBad = 1;
      this.badToGood = (1 - p) / p;
    }
    this.meanBurstPackets = this.badToGood > 0 ? 1 / this.badToGood : Infinity;
  }

  /** Per packet: false when it is lost; it never waits here. Allocates nothing. */
  process(_bytes: number, _clock: PacketClock): boolean {
    if (this.burst) {
      // Transition first, then the new state decides this packet: Bad runs are geometric with mean 1/p(B→G).
      this.bad = this.bad ? !this.rng.chance(this.badToGood) : this.rng.chance(this.goodToBad);
      return !this.bad;
    }
    return !this.rng.chance(this.lossShare);
  }
}
