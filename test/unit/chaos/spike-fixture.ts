import { createParticipantChaos, type ParticipantChaos } from '../../../src/chaos/index.js';
import type { PlannedSpike, SpikeParams, SpikeType } from '../../../src/plan/types.js';

/** A planned spike on participant 1, active for the whole test unless `over` says otherwise. */
export function spike(type: SpikeType, params: SpikeParams, over: Partial<PlannedSpike> = {}): PlannedSpike {
  return { id: '0.0', entry: 0, type, startMs: 0, endMs: 1e9, params, participantIds: [1], seed: 1234, placedBy: 'at', ...over };
}

/** Participant `participantId`'s chaos for these spikes; fails the test when there is none. */
export function chaosFor(spikes: PlannedSpike[], participantId = 1): ParticipantChaos {
  const chaos = createParticipantChaos(spikes, participantId);
  if (!chaos) throw new Error(`no spike targets participant ${participantId}`);
  return chaos;
}

/** Binomial tolerance of an observed share: 5 standard deviations (a false failure ~1 in 1.7 million). */
export function binomialTolerance(p: number, n: number): number {
  return 5 * Math.sqrt((p * (1 - p)) / n);
}
