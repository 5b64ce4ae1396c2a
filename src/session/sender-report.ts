import { compactNtp, sdesCnameBytes, SR_BYTES, writeSdesCname, writeSenderReport } from '../rtcp/index.js';

/** How many of our latest SRs a report block's LSR may echo (older echoes are stale). */
const REMEMBERED_REPORTS = 8;

/**
 * A stream's RTCP sender reports (RFC 3550 6.4.1): counts what the stream sent and builds the
 * compound SR + SDES CNAME into its own buffer. The SR's RTP timestamp is the stream's media clock
 * at the same instant as its NTP time: the stream's timestamps sit on the run's frame grid
 * (`tsStart` at `startOffsetMs`), so the two stay consistent for a receiver's lip sync and RTT.
 */
export class SenderReporter {
  /** The compound packet of the last `build` (`length` bytes). */
  readonly buffer: Buffer;
  length = 0;
  packetsSent = 0;
  payloadOctetsSent = 0;
  private readonly cname: Buffer;
  private readonly sent = new Uint32Array(REMEMBERED_REPORTS);
  private readonly sentAtMs = new Float64Array(REMEMBERED_REPORTS);
  private sentCount = 0;

  constructor(
    readonly ssrc: number,
    cname: string,
    private readonly clockRateHz: number,
    private readonly tsStart: number,
    private readonly startOffsetMs: number,
  ) {
    this.cname = Buffer.from(cname, 'utf8').subarray(0, 255);
    this.buffer = Buffer.alloc(SR_BYTES + sdesCnameBytes(this.cname.length));
  }

  /** Called per RTP packet the stream sends (retransmissions on the same SSRC included). */
  countSent(payloadBytes: number): void {
    this.packetsSent++;
    this.payloadOctetsSent += payloadBytes;
  }

  /** The stream's RTP timestamp at run time `nowMs` (mod 2^32). */
  rtpTimestampAt(nowMs: number): number {
    const units = Math.round(((nowMs - this.startOffsetMs) * this.clockRateHz) / 1000);
    return (((this.tsStart + units) % 0x1_0000_0000) + 0x1_0000_0000) % 0x1_0000_0000;
  }

  /** Writes SR + SDES for run time `nowMs` / wall clock `epochMs`; returns the length. */
  build(nowMs: number, epochMs: number): number {
    let at = writeSenderReport(this.buffer, 0, this.ssrc, epochMs, this.rtpTimestampAt(nowMs), this.packetsSent, this.payloadOctetsSent);
    at = writeSdesCname(this.buffer, at, this.ssrc, this.cname);
    const slot = this.sentCount++ % REMEMBERED_REPORTS;
    this.sent[slot] = compactNtp(epochMs);
    this.sentAtMs[slot] = nowMs;
    this.length = at;
    return at;
  }

  /**
   * When (run ms) we sent the SR that `lsr` (a report block's echo) names, or -1 when it is not one
   * of our recent SRs (so an RTT from it would not be ours). A round trip belongs to the time its
   * SR left: that is when the path it measured was as it found it.
   */
  reportSentAt(lsr: number): number {
    const n = Math.min(this.sentCount, REMEMBERED_REPORTS);
    for (let i = 0; i < n; i++) if (this.sent[i] === lsr) return this.sentAtMs[i];
    return -1;
  }
}
