// A TypeScript scenario: the same language as YAML, typed by defineScenario().
// Useful when a gate is computed (here: thresholds from one place, participants from an env var).
import { defineScenario } from 'avcm';

const participants = Number(process.env.GATE_PARTICIPANTS ?? 10);
const maxLossPercent = 2;

export default defineScenario({
  version: 1,
  name: 'ts-gate',
  description: 'A computed gate: a loss spike on a quarter of the participants.',
  seed: 11,
  duration: '30s',
  participants: { count: participants, base_port: 0 },
  spikes: [
    { type: 'rtp_packet_loss', count: 2, duration: '5s', loss_percentage: { min: 3, max: 6 }, participants: '25%' },
  ],
  distribution: { strategy: 'random', min_spacing: '8s' },
  assertions: {
    packet_loss_percent: [`avg < ${maxLossPercent}`],
    mos: ['avg >= 3.8'],
    baseline: { packet_loss_percent: ['max < 0.5'] },
  },
});
