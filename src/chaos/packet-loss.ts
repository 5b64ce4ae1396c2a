import type { PlannedSpike } from '../plan/types.js';
import type { Rng } from '../plan/rng.js';
import { DROP, type PacketStage } from './stage.js';

/**
 * `rtp_packet_loss`: `random` drops each packet with probability p (Bernoulli); `burst` uses a
 * Gilbert-Elliott chain (loss 1 in Bad, 0 in Good). With mean burst length L, p(B->G) = 1/L, and
 * for a stationary loss rate p: pi_B = p(G->B) / (p(G->B) + p(B->G)) = p  =>  p(G->B) = p / (L (1 - p)).
 */
export class PacketLossStage implements PacketStage {
  private readonly p: number;
  private readonly goodToBad: number;
  private readonly badToGood: number;
  private bad = false;

  constructor(
    readonly spike: PlannedSpike,
    private readonly rng: Rng,
  ) {
    this.p = Math.min(1, Math.max(0, (spike.params.lossPercent ?? 0) / 100));
    const meanBurst = Math.max(1, spike.params.meanBurstPackets ?? 3);
    this.badToGood = 1 / meanBurst;
    this.goodToBad = this.p >= 1 ? 1 : Math.min(1, this.p / (meanBurst * (1 - this.p)));
  }

  process(_bytes: number, nowMs: number): number {
    if (this.spike.params.pattern === 'burst') {
      // Transition first, then the state decides this packet.
      this.bad = this.bad ? this.rng.next() >= this.badToGood : this.rng.next() < this.goodToBad;
      return this.bad ? DROP : nowMs;
    }
    return this.rng.next() < this.p ? DROP : nowMs;
  }
}
