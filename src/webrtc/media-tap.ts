import { performance } from 'node:perf_hooks';
import { RtpPacket, type RTCDtlsTransport, type RTCPeerConnection } from 'werift';

/** Called with each decrypted RTCP packet of a peer (bytes as on the wire) and its arrival time. */
export type RtcpTapHandler = (bytes: Buffer, arrivalEpochMs: number) => void;
/** Called with each decrypted RTP packet of a peer (werift's parsed form, to be normalized) and its arrival time. */
export type RtpTapHandler = (rtp: RtpPacket, arrivalEpochMs: number) => void;

/**
 * Takes a werift peer's media path over once the peer is set up: every decrypted RTP and RTCP
 * packet goes to avcm's handlers as bytes instead of werift's senders and receivers (which would
 * otherwise answer NACKs, send reports and NACK on their own, doubling the feedback loop avcm's
 * session stages run), and avcm's packets are protected with the session's SRTP/SRTCP contexts and
 * sent on the selected ICE pair. werift keeps ICE, DTLS and consent freshness.
 *
 * Reaches into werift 0.24 internals (the peer's router, the DTLS transport's SRTP sessions), all
 * inside this seam. Per packet it parses and copies as werift does: the native path replaces this.
 */
export class MediaTap {
  private dtls: RTCDtlsTransport | null = null;
  /** Packets that could not be protected or sent (counted, never thrown). */
  errors = 0;

  constructor(private readonly pc: RTCPeerConnection) {}

  /** Routes the peer's decrypted packets to the handlers from now on (call before media flows). */
  attach(onRtp: RtpTapHandler | null, onRtcp: RtcpTapHandler | null): void {
    const router = (this.pc as unknown as { router: { routeRtp: (rtp: RtpPacket) => void; routeRtcp: (rtcp: { serialize(): Buffer }) => void } }).router;
    const origin = performance.timeOrigin;
    router.routeRtp = (rtp) => {
      if (onRtp) onRtp(rtp, origin + performance.now());
    };
    router.routeRtcp = (rtcp) => {
      if (onRtcp) onRtcp(rtcp.serialize(), origin + performance.now());
    };
  }

  private transport(): RTCDtlsTransport | null {
    if (this.dtls && this.dtls.state === 'connected') return this.dtls;
    this.dtls = this.pc.dtlsTransports.find((t) => t.state === 'connected') ?? null;
    return this.dtls;
  }

  /** Protects and sends one RTP packet (`header[0..headerLength)` then `payload`). */
  sendRtp(header: Buffer, headerLength: number, payload: Buffer): boolean {
    const dtls = this.transport();
    if (!dtls) {
      this.errors++;
      return false;
    }
    try {
      const packet = RtpPacket.deSerialize(Buffer.concat([header.subarray(0, headerLength), payload], headerLength + payload.length));
      dtls.sendRtp(packet.payload, packet.header).catch(() => this.errors++);
      return true;
    } catch {
      this.errors++;
      return false;
    }
  }

  /** Protects (SRTCP) and sends one RTCP compound (`buf[0..length)`). */
  sendRtcp(buf: Buffer, length: number): boolean {
    const dtls = this.transport();
    if (!dtls) {
      this.errors++;
      return false;
    }
    try {
      const protectedPacket = dtls.srtcp.encrypt(Buffer.from(buf.subarray(0, length)));
      dtls.iceTransport.connection.send(protectedPacket).catch(() => this.errors++);
      return true;
    } catch {
      this.errors++;
      return false;
    }
  }
}
