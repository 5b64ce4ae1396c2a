import { absSendTimeFromMs, type RtpHeaderWriter } from '../rtp/index.js';
import { relabelRid, writeRtxHeader } from './rtx-packet.js';
import type { SendHistory } from './send-history.js';
import { SENDER_FIELDS, type SenderStats } from './sender-stats.js';

/** Where a retransmission goes: the engine's network path (chaos, delay line, transport). */
export type RetransmitOutput = (header: Buffer, headerLength: number, payload: Buffer, nowMs: number) => void;

/** The RTX stream a NACK responder retransmits on (RFC 4588), when configured or negotiated. */
export interface RtxStream {
  ssrc: number;
  payloadType: number;
  /** Next RTX sequence number (random start, RFC 3550 5.1); advanced per retransmission. */
  sequenceNumber: number;
  /**
   * A simulcast layer's RTX carries its RID as repaired-rtp-stream-id (RFC 8852 3.2) under this
   * id, not as rtp-stream-id, which would claim the RTX SSRC is the layer itself. 0 or absent: no RID.
   */
  repairedRidId?: number;
}

/**
 * Answers generic NACKs (RFC 4585 6.2.1) from the stream's send history, as pion's responder
 * interceptor does: each requested packet still in the history is sent again, as RTX when an RTX
 * stream is set (own SSRC and payload type, the original sequence number first in the payload),
 * otherwise as the same packet. A packet is not resent twice within `minResendIntervalMs` (a
 * second NACK for it crossed the first retransmission). A simulcast layer's RTX names the layer
 * it repairs with repaired-rtp-stream-id (RFC 8852 3.2). The header is re-stamped from the history
 * (sequence number, timestamp, marker) with a fresh abs-send-time; retransmissions take the same
 * network path as any packet (a spike can lose them too).
 */
export class NackResponder {
  private readonly rtxHeader: Buffer | null;

  constructor(
    private readonly history: SendHistory,
    /** A header writer of the stream's own (its payload type, SSRC and extensions), used only for resends. */
    private readonly header: RtpHeaderWriter,
    private readonly rtx: RtxStream | null,
    private readonly output: RetransmitOutput,
    private readonly stats: SenderStats,
    /** Called for a retransmission on the media SSRC itself (it counts in the SR's packet count). */
    private readonly onSameSsrcResend: (payloadBytes: number) => void,
  ) {
    this.rtxHeader = rtx ? Buffer.alloc(header.length + 2) : null;
  }

  /** One NACK FCI entry: `pid` and every pid + i + 1 with bit i of `blp` set. */
  onNackEntry(pid: number, blp: number, nowMs: number, epochMs: number, minResendIntervalMs: number): void {
    this.resend(pid, nowMs, epochMs, minResendIntervalMs);
    for (let bit = 0; bit < 16; bit++) if ((blp >>> bit) & 1) this.resend((pid + bit + 1) & 0xffff, nowMs, epochMs, minResendIntervalMs);
  }

  private resend(sequenceNumber: number, nowMs: number, epochMs: number, minResendIntervalMs: number): void {
    const window = Math.floor(nowMs / 1000);
    this.stats.add(window, SENDER_FIELDS.packetsNacked);
    const history = this.history;
    const slot = history.find(sequenceNumber);
    if (slot < 0) {
      this.stats.add(window, SENDER_FIELDS.retransmissionsMissed);
      return;
    }
    if (nowMs - history.resentAt(slot) < minResendIntervalMs) return;
    history.markResent(slot, nowMs);
    const writer = this.header;
    writer.stamp(sequenceNumber, history.timestamp(slot), history.marker(slot), absSendTimeFromMs(epochMs));
    const header = writer.buffer;
    const headerLength = writer.length;
    const payload = history.payload(slot);
    this.stats.add(window, SENDER_FIELDS.retransmissionsSent);
    const rtx = this.rtx;
    if (rtx && this.rtxHeader) {
      const length = writeRtxHeader(this.rtxHeader, header, headerLength, rtx.payloadType, rtx.sequenceNumber, rtx.ssrc);
      if (writer.ridOffset >= 0 && rtx.repairedRidId) relabelRid(this.rtxHeader, writer.ridOffset, rtx.repairedRidId);
      rtx.sequenceNumber = (rtx.sequenceNumber + 1) & 0xffff;
      this.output(this.rtxHeader, length, payload, nowMs);
    } else {
      this.onSameSsrcResend(payload.length);
      this.output(header, headerLength, payload, nowMs);
    }
  }
}
