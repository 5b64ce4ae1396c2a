import { compactNtpOf, msToCompactNtp, type ReportBlock } from '../rtcp/index.js';

/**
 * A receiver's per-source report state (RFC 3550 6.4.1, A.3): what changed since the previous
 * report block (for the fraction lost) and the last SR heard from the source (for LSR/DLSR, which
 * let the sender compute the round trip).
 */
export class ReceptionReport {
  private expectedPrior = 0;
  private receivedPrior = 0;
  private lastSrCompact = 0;
  private lastSrArrivalEpochMs = 0;
  /** SRs received from this source. */
  senderReports = 0;

  /** An SR from the source arrived at `arrivalEpochMs`. */
  onSenderReport(ntpSeconds: number, ntpFraction: number, arrivalEpochMs: number): void {
    this.lastSrCompact = compactNtpOf(ntpSeconds, ntpFraction);
    this.lastSrArrivalEpochMs = arrivalEpochMs;
    this.senderReports++;
  }

  /**
   * Fills `block` for source `ssrc` at wall time `nowEpochMs` from the stream's totals: `expected`
   * and `received` packets (RFC 3550 A.3), the extended highest sequence number and the jitter in
   * RTP timestamp units; then starts the next reporting interval.
   */
  fill(block: ReportBlock, ssrc: number, expected: number, received: number, extendedHighestSeq: number, jitterUnits: number, nowEpochMs: number): void {
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = received;
    const lostInterval = expectedInterval - receivedInterval;
    block.ssrc = ssrc;
    block.fractionLost = expectedInterval > 0 && lostInterval > 0 ? Math.min(255, Math.floor((lostInterval * 256) / expectedInterval)) : 0;
    block.cumulativeLost = expected - received;
    block.extendedHighestSeq = extendedHighestSeq % 0x1_0000_0000;
    block.jitter = jitterUnits;
    block.lsr = this.lastSrCompact;
    block.dlsr = this.lastSrCompact === 0 ? 0 : msToCompactNtp(nowEpochMs - this.lastSrArrivalEpochMs);
  }
}
