import type { MediaKind } from './sender-stats.js';
import { compactNtp, roundTripMs, type ReportBlock } from '../rtcp/index.js';
import type { RtpHeaderWriter } from '../rtp/index.js';
import { KeyframeResponder } from './keyframe-responder.js';
import { NackResponder, type RetransmitOutput, type RtxStream } from './nack-responder.js';
import { SendHistory } from './send-history.js';
import { SenderReporter } from './sender-report.js';
import { SENDER_FIELDS, SenderStats } from './sender-stats.js';

/** The feedback loop options of a participant's streams (the plan's `rtcp`). */
export interface SenderFeedbackOptions {
  /** Answer NACKs from the send history. */
  nack: boolean;
  /** Answer PLI/FIR with a keyframe (video). */
  pli: boolean;
  /** Mean SR interval, ms (each interval drawn from 0.5x..1.5x, RFC 3550 6.3.1). */
  reportIntervalMs: number;
  /** How much history NACKs can reach back, ms (at least 1 s). */
  historyMs: number;
}

export interface SenderSessionInit {
  participantId: number;
  /** Index of the participant in its engine (which transport its feedback arrives on). */
  participantSlot: number;
  media: MediaKind;
  ssrc: number;
  rtx: RtxStream | null;
  /** A simulcast layer's RID (RFC 8852), reported with its figures; null or absent for one encoding. */
  rid?: string | null;
  cname: string;
  clockRateHz: number;
  tsStart: number;
  /** Run ms at which the stream's media clock reads `tsStart` (when its frame 0 is due on the run's grid). */
  startOffsetMs: number;
  /** Packets per second the stream sends (sizes the history). */
  packetsPerSecond: number;
  /** A header writer of the stream's own (same payload type, SSRC, extensions), for resends only. */
  resendHeader: RtpHeaderWriter;
  expectedWindows: number;
  options: SenderFeedbackOptions;
  /** The engine's network path for retransmissions. */
  output: RetransmitOutput;
}

/**
 * One sending stream's side of the feedback loop, composed of small stages (pion/interceptor
 * style): the send history, the NACK responder, the keyframe responder (video), the sender
 * reporter and round-trip estimation from report blocks. The engine calls `recordSent` per packet
 * and routes the stream's RTCP here; media pacing itself never branches on feedback.
 */
export class SenderSession {
  readonly participantId: number;
  readonly participantSlot: number;
  readonly media: MediaKind;
  readonly ssrc: number;
  readonly stats: SenderStats;
  readonly reporter: SenderReporter;
  readonly keyframe: KeyframeResponder | null;
  private readonly history: SendHistory | null;
  private readonly nackResponder: NackResponder | null;
  /** Smoothed RTT (RFC 6298-style 1/8 gain), ms; 0 until the first sample. */
  rttMs = 0;
  /** Next SR due, run ms. */
  nextReportMs = Infinity;

  constructor(init: SenderSessionInit) {
    this.participantId = init.participantId;
    this.participantSlot = init.participantSlot;
    this.media = init.media;
    this.ssrc = init.ssrc;
    const options = init.options;
    this.stats = new SenderStats(init.participantId, init.media, init.ssrc, options.nack && init.rtx ? init.rtx.ssrc : null, init.expectedWindows, init.rid ?? null);
    this.reporter = new SenderReporter(init.ssrc, init.cname, init.clockRateHz, init.tsStart, init.startOffsetMs);
    this.keyframe = options.pli && init.media === 'video' ? new KeyframeResponder(this.stats) : null;
    if (options.nack) {
      const minPackets = Math.ceil((init.packetsPerSecond * Math.max(1000, options.historyMs)) / 1000 * 1.25);
      this.history = new SendHistory(minPackets);
      this.nackResponder = new NackResponder(this.history, init.resendHeader, init.rtx, init.output, this.stats, (bytes) => this.reporter.countSent(bytes));
    } else {
      this.history = null;
      this.nackResponder = null;
    }
  }

  /**
   * Per packet the stream sends (stamped, before network impairments): history and SR counts.
   * `timestamp` either view of the 32 bits (`ts | 0` avoids boxing at the call).
   */
  recordSent(sequenceNumber: number, timestamp: number, marker: boolean, payload: Buffer): void {
    this.reporter.countSent(payload.length);
    this.history?.record(sequenceNumber, timestamp, marker, payload);
  }

  onNackMessage(nowMs: number): void {
    this.stats.add(Math.floor(nowMs / 1000), SENDER_FIELDS.nacksReceived);
  }

  onNackEntry(pid: number, blp: number, nowMs: number, epochMs: number): void {
    // A retransmission answers one NACK; one more NACK for it within about an RTT crossed it.
    this.nackResponder?.onNackEntry(pid, blp, nowMs, epochMs, Math.max(5, this.rttMs));
  }

  /** A report block about this stream arrived at wall time `epochMs`: RTT and the receiver's loss. */
  onReportBlock(block: Readonly<ReportBlock>, nowMs: number, epochMs: number): void {
    const window = Math.floor(nowMs / 1000);
    this.stats.add(window, SENDER_FIELDS.reportBlocksReceived);
    this.stats.add(window, SENDER_FIELDS.remoteLossPercentSum, (100 * block.fractionLost) / 256);
    const sentAtMs = this.reporter.reportSentAt(block.lsr);
    if (sentAtMs < 0) return;
    const rtt = roundTripMs(compactNtp(epochMs), block.lsr, block.dlsr);
    if (rtt === null) return;
    this.rttMs = this.rttMs === 0 ? rtt : this.rttMs + (rtt - this.rttMs) / 8;
    // Counted in the window its SR left in (the path it measured), not when the report came back.
    const measuredIn = Math.floor(sentAtMs / 1000);
    this.stats.add(measuredIn, SENDER_FIELDS.rttMsSum, rtt);
    this.stats.add(measuredIn, SENDER_FIELDS.rttSamples);
    this.stats.max(measuredIn, SENDER_FIELDS.rttMsMax, rtt);
  }

  onRemb(bitrateBps: number, nowMs: number): void {
    this.stats.max(Math.floor(nowMs / 1000), SENDER_FIELDS.rembBpsMax, bitrateBps);
  }

  /** Builds this stream's SR + SDES (in `reporter.buffer`) and counts it; returns its length. */
  buildReport(nowMs: number, epochMs: number): number {
    this.stats.add(Math.floor(nowMs / 1000), SENDER_FIELDS.reportsSent);
    return this.reporter.build(nowMs, epochMs);
  }
}
