/**
 * MOS from the ITU-T G.107 E-model (06/2015), fed with what the probe measured: one-way delay,
 * RFC 3550 jitter and packet loss ("conversational quality from the network figures").
 *
 *   R = R0 - Is - Id - Ie,eff + A                                     (G.107 eq. 7-1)
 *   MOS = 1 + 0.035 R + R (R - 60)(100 - R) 7e-6, for 0 < R < 100     (G.107 eq. B-4; 1 / 4.5 outside)
 *
 * Every constant, with its G.107 name (see `E_MODEL`):
 * - R0 = 94.77: basic signal-to-noise ratio, 15 - 1.5 (SLR + No), from the G.107 Table 3 defaults
 *   (SLR 8 dB, RLR 2 dB, Nc -70 dBm0p, Ps = Pr = 35 dB(A), Nfor -64 dBmp: No = -61.18 dBm0p).
 * - Is = 1.41: simultaneous impairments Iolr + Ist + Iq with the defaults (OLR 10 dB, STMR 15 dB,
 *   qdu 1): 0.44 + 0.00 + 0.97.
 * - Id = Idte + Idle + Idd. Idle (listener echo, WEPL 110 dB, Tr 0) = 0.15 at the defaults. Idte
 *   (talker echo) is left out: conferencing endpoints run acoustic echo cancellation, so the
 *   talker-echo loss is effectively infinite. Idd, the pure delay impairment, is G.107 eq. 7-28
 *   with the default mT = 100 ms, sT = 1:
 *     Idd = 0 for Ta <= 100 ms, else 25 { (1 + X^6)^(1/6) - 3 (1 + (X/3)^6)^(1/6) + 2 }, X = log2(Ta / 100).
 *   So with no impairment R = 94.77 - 1.41 - 0.15 = 93.2 (MOS 4.41), G.107's well-known default.
 * - Ta, the absolute delay = one-way network delay + the jitter-buffer delay. The network delay is
 *   the one-way delay measured from abs-send-time, or half the measured round trip when no one-way
 *   figure exists (an SFU that rewrites the extension). The jitter-buffer delay is what the probe's
 *   playout model measured packets waiting (`playoutDelayMs`); without the model it is ASSUMED to
 *   be 2 x the RFC 3550 jitter + 20 ms (one 20 ms Opus frame), an adaptive buffer sized to absorb
 *   twice the mean deviation.
 * - Ppl, the loss: the caller passes what the listener lost. With the playout model that is the
 *   residual loss (missing at playout after NACK recovery and late packets included), else the
 *   loss on the wire.
 * - Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl)  (G.107 eq. 7-29), Ppl the loss in percent,
 *   BurstR the burst ratio (1 = random loss, the default when the caller measured none).
 * - Codec: G.113 Appendix I lists no Opus entry. Ie = 0: Opus at the rates avcm sends (>= 32
 *   kbit/s) is transparent for speech in narrowband terms. Bpl = 25.1: G.113 Appendix I's value
 *   for G.711 with packet-loss concealment (G.711 Appendix I), used as a conservative stand-in for
 *   Opus' own concealment, which is at least as capable. G.711 without PLC would be Ie 0,
 *   Bpl 4.3.
 * - A = 0: advantage factor of wire-bound / managed access (G.107 Table 2).
 * The video stream's MOS is the same model applied to the video stream's loss, delay and jitter: a
 * conversational-quality score from the network figures, not a picture-quality metric.
 */
export const E_MODEL = {
  /** R0, basic signal-to-noise ratio with the G.107 defaults. */
  R0: 94.77,
  /** Is, simultaneous impairment factor with the G.107 defaults. */
  IS: 1.41,
  /** Idle, listener-echo impairment with the default WEPL = 110 dB, Tr = 0. */
  IDLE: 0.15,
  /** A, advantage factor (wire-bound). */
  A: 0,
  /** mT, ms: delay below which Idd = 0 (G.107 default). */
  IDD_MT_MS: 100,
  /** Ie of the codec (Opus, see above). */
  CODEC_IE: 0,
  /** Bpl of the codec (G.113 App. I, G.711 with PLC, as the stand-in for Opus). */
  CODEC_BPL: 25.1,
  /** Jitter buffer assumed = JITTER_BUFFER_FACTOR x jitter + JITTER_BUFFER_BASE_MS. */
  JITTER_BUFFER_FACTOR: 2,
  JITTER_BUFFER_BASE_MS: 20,
} as const;

export interface MosInput {
  /** Mean one-way (mouth-to-ear network) delay, ms; 0 when unknown. */
  oneWayDelayMs: number;
  /** The jitter-buffer delay the playout model measured, ms; when absent, 2 x jitter + 20 ms is assumed. */
  playoutDelayMs?: number | null;
  /** RFC 3550 interarrival jitter, ms. */
  jitterMs: number;
  /** Packet loss, percent (0..100). */
  lossPercent: number;
  /** G.107 BurstR (>= 1; 1 = random loss). */
  burstRatio?: number;
}

/** G.107 eq. 7-28: the delay impairment Idd for absolute delay `taMs` (default mT, sT). */
export function delayImpairment(taMs: number): number {
  if (taMs <= E_MODEL.IDD_MT_MS) return 0;
  const x = Math.log2(taMs / E_MODEL.IDD_MT_MS);
  return 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2);
}

/** G.107 eq. 7-29: effective equipment impairment for `lossPercent` with the codec's Ie/Bpl. */
export function effectiveEquipmentImpairment(lossPercent: number, burstRatio = 1): number {
  const ppl = Math.min(100, Math.max(0, lossPercent));
  const burstR = Math.max(1, burstRatio);
  return E_MODEL.CODEC_IE + ((95 - E_MODEL.CODEC_IE) * ppl) / (ppl / burstR + E_MODEL.CODEC_BPL);
}

/** The R factor from the network figures (see the module comment for every constant). */
export function rFactor(input: MosInput): number {
  const delayMs = Number.isFinite(input.oneWayDelayMs) ? Math.max(0, input.oneWayDelayMs) : 0;
  const jitterMs = Number.isFinite(input.jitterMs) ? Math.max(0, input.jitterMs) : 0;
  const bufferMs = input.playoutDelayMs !== undefined && input.playoutDelayMs !== null && Number.isFinite(input.playoutDelayMs) ? Math.max(0, input.playoutDelayMs) : E_MODEL.JITTER_BUFFER_FACTOR * jitterMs + E_MODEL.JITTER_BUFFER_BASE_MS;
  const ta = delayMs + bufferMs;
  const id = E_MODEL.IDLE + delayImpairment(ta);
  const loss = Number.isFinite(input.lossPercent) ? input.lossPercent : 100;
  return E_MODEL.R0 - E_MODEL.IS - id - effectiveEquipmentImpairment(loss, input.burstRatio ?? 1) + E_MODEL.A;
}

/** MOS-CQE (1..4.5) from R (G.107 Annex B). */
export function mosFromR(r: number): number {
  if (!(r > 0)) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

/**
 * MOS (1..4.5) from measured one-way delay (ms), RFC 3550 jitter (ms) and loss (%), called per
 * stream and window by the verdict and the live display. No impairment gives 4.41 (R = 93.2).
 */
export function estimateMos(input: MosInput): number {
  return mosFromR(rFactor(input));
}
