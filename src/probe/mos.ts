/**
 * MOS from the ITU-T G.107 E-model, fed with what the probe measured (loss, jitter, delay).
 *
 *   R = R0 - Is - Id - Ie,eff + A          (G.107 eq. 7-1)
 *   MOS = 1 + 0.035 R + R (R - 60)(100 - R) 7e-6   for 0 < R < 100 (G.107 Annex B)
 *
 * Constants (all G.107 defaults unless said otherwise):
 * - R0 - Is = 93.2: R0 = 15 - 1.5 (SLR + No) with the default send/receive loudness, noise floor
 *   and room noise gives 94.77, Is (simultaneous impairments, default sidetone/quantization) 1.41
 *   (G.107 Table 3 defaults; 93.2 is the value commonly quoted for them, e.g. G.107 Appendix and
 *   Cole & Rosenbluth, "Voice over IP performance monitoring", 2001).
 * - A (advantage factor) = 0: a fixed or managed network, no mobility bonus.
 * - Id, the delay impairment, uses Cole & Rosenbluth's fit of G.107's Idd for one-way mouth-to-ear
 *   delay Ta: Id = 0.024 Ta + 0.11 (Ta - 177.3) H(Ta - 177.3).
 * - Ta = measured one-way delay + the jitter-buffer delay, assumed to be 2 x the RFC 3550 jitter +
 *   20 ms (one packet time): an adaptive buffer sized to absorb twice the mean deviation.
 * - Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl)   (G.107 eq. 7-29), Ppl in percent.
 * - Codec values: G.113 has no entry for Opus. We use Ie = 0 (Opus at 64 kbit/s is transparent for
 *   speech) and Bpl = 25.1, the packet-loss robustness G.113 Appendix I gives G.711 with packet
 *   loss concealment, as a conservative stand-in for Opus' own concealment. BurstR = 1 (random
 *   loss) unless the caller measured burstiness.
 * - The video stream's "MOS" is the same model applied to the video stream's network figures: a
 *   conversational-quality score from loss, jitter and delay, not a picture-quality metric.
 */
export const E_MODEL = {
  R0_MINUS_IS: 93.2,
  ADVANTAGE_A: 0,
  CODEC_IE: 0,
  CODEC_BPL: 25.1,
  JITTER_BUFFER_FACTOR: 2,
  JITTER_BUFFER_BASE_MS: 20,
  ID_SLOPE: 0.024,
  ID_KNEE_MS: 177.3,
  ID_KNEE_SLOPE: 0.11,
} as const;

/** R factor from the network figures (see the module comment for every constant). */
export function rFactor(input: { oneWayDelayMs: number; jitterMs: number; lossPercent: number; burstRatio?: number }): number {
  const ta = Math.max(0, input.oneWayDelayMs) + E_MODEL.JITTER_BUFFER_FACTOR * Math.max(0, input.jitterMs) + E_MODEL.JITTER_BUFFER_BASE_MS;
  const id = E_MODEL.ID_SLOPE * ta + (ta > E_MODEL.ID_KNEE_MS ? E_MODEL.ID_KNEE_SLOPE * (ta - E_MODEL.ID_KNEE_MS) : 0);
  const ppl = Math.min(100, Math.max(0, input.lossPercent));
  const burstR = Math.max(1, input.burstRatio ?? 1);
  const ieEff = E_MODEL.CODEC_IE + ((95 - E_MODEL.CODEC_IE) * ppl) / (ppl / burstR + E_MODEL.CODEC_BPL);
  return E_MODEL.R0_MINUS_IS - id - ieEff + E_MODEL.ADVANTAGE_A;
}

/** MOS-CQE (1..4.5) from R (G.107 Annex B). */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

/** MOS from measured one-way delay, RFC 3550 jitter (ms) and loss (%). */
export function estimateMos(input: { oneWayDelayMs: number; jitterMs: number; lossPercent: number; burstRatio?: number }): number {
  return mosFromR(rFactor(input));
}
