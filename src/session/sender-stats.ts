import { WindowCounters } from './window-counters.js';

/** A stream's medium (the same union the probe reports use). */
export type MediaKind = 'video' | 'audio';

/**
 * What one sending stream's session saw of its receiver (an SFU or the probe), per window: the
 * sender's side of the feedback loop, named like the W3C `outbound-rtp` / `remote-inbound-rtp`
 * statistics where one exists. Measured at the engine, so it crosses the agent protocol.
 */
export const SENDER_FIELDS = {
  /** Sum and count of round-trip samples from report blocks (RFC 3550 6.4.1 LSR/DLSR), ms. */
  rttMsSum: 0,
  rttSamples: 1,
  rttMsMax: 2,
  /** NACK feedback messages received (W3C outbound-rtp nackCount). */
  nacksReceived: 3,
  /** Sequence numbers those NACKs asked for. */
  packetsNacked: 4,
  /** Packets retransmitted (RTX or the same packet again; W3C retransmittedPacketsSent). */
  retransmissionsSent: 5,
  /** NACKed packets no longer (or never) in the send history. */
  retransmissionsMissed: 6,
  /** PLIs and FIRs received (W3C pliCount, firCount). */
  plisReceived: 7,
  firsReceived: 8,
  /** Keyframes sent in answer to a PLI/FIR, and the sum of their response times (request to send), ms. */
  keyframesSent: 9,
  keyframeResponseMsSum: 10,
  /** Sender reports sent; receiver report blocks received about this stream. */
  reportsSent: 11,
  reportBlocksReceived: 12,
  /** Sum of the report blocks' fraction lost in percent (the receiver's view of this stream's loss), and the block count above. */
  remoteLossPercentSum: 13,
  /** Highest REMB estimate received for this stream, bit/s. */
  rembBpsMax: 14,
} as const;
export const SENDER_FIELD_COUNT = 15;
/** Fields whose whole-run figure is the largest window value, not the sum. */
const MAX_FIELDS: ReadonlySet<string> = new Set(['rttMsMax', 'rembBpsMax']);
export type SenderField = keyof typeof SENDER_FIELDS;

/** One sending stream's session figures as they cross the agent protocol: totals and per-window columns. */
export interface SenderStreamReport {
  participantId: number;
  media: MediaKind;
  ssrc: number;
  /** The RTX SSRC retransmissions used, or null when retransmitting the same packet (or not at all). */
  rtxSsrc: number | null;
  /** The simulcast layer's RID (RFC 8852); null or absent for a single encoding. */
  rid?: string | null;
  totals: Record<SenderField, number>;
  /** Per window from 0: each field's column (dense). */
  windows: Record<SenderField, number[]>;
}

/** The per-window recorder behind a `SenderStreamReport`. */
export class SenderStats {
  readonly counters: WindowCounters;

  constructor(
    readonly participantId: number,
    readonly media: MediaKind,
    readonly ssrc: number,
    readonly rtxSsrc: number | null,
    expectedWindows: number,
    readonly rid: string | null = null,
  ) {
    this.counters = new WindowCounters(SENDER_FIELD_COUNT, expectedWindows);
  }

  add(window: number, field: number, amount = 1): void {
    this.counters.add(window, field, amount);
  }

  max(window: number, field: number, value: number): void {
    this.counters.max(window, field, value);
  }

  report(windowCount = this.counters.windowCount): SenderStreamReport {
    const { totals, windows } = this.counters.columns(SENDER_FIELDS, windowCount, MAX_FIELDS);
    return { participantId: this.participantId, media: this.media, ssrc: this.ssrc, rtxSsrc: this.rtxSsrc, ...(this.rid !== null ? { rid: this.rid } : {}), totals, windows };
  }

}
