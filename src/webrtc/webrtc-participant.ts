import type { RTCPeerConnection, RTCRtpSender } from 'werift';
import type { ParticipantTransport } from '../engine/transport.js';
import type { ExtensionPlan } from '../plan/types.js';
import { connectionUp, createPeer, gatheringComplete, selectedLocalCandidateType, type IceOptions } from './peer-config.js';

const GATHER_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 20_000;

/** One medium a participant sends: the plan's SSRC and payload type for it. */
export interface SentMedium {
  ssrc: number;
  payloadType: number;
}

/** What `WebRtcParticipantTransport.create` needs; every field comes from the compiled plan. */
export interface WebRtcParticipantOptions extends IceOptions {
  participantId: number;
  video: SentMedium | null;
  audio: SentMedium | null;
  extensions: ExtensionPlan;
}

/**
 * A participant as a WebRTC peer (werift: ICE, DTLS-SRTP). It offers send-only H.264 and Opus
 * with the plan's payload types and SSRCs, and sends the engine's packets as stamped: werift keeps
 * the sequence number, timestamp and header extensions of each packet, and because the sender's
 * SSRC is set to the plan's SSRC before the offer, the SSRC on the wire is the plan's too (werift
 * stamps the sender's SSRC onto every packet). werift parses, re-serializes and encrypts each
 * packet; that costs allocations, accepted here (correctness first, see DESIGN.md).
 *
 * Order: `create` → `createOffer` → (signal the offer, get the answer) → `acceptAnswer` →
 * `connected` → `send`... → `close`.
 */
export class WebRtcParticipantTransport implements ParticipantTransport {
  private errorCount = 0;
  private closed = false;
  private readonly who: string;

  private constructor(
    private readonly pc: RTCPeerConnection,
    private readonly options: WebRtcParticipantOptions,
    private readonly videoSender: RTCRtpSender | null,
    private readonly audioSender: RTCRtpSender | null,
  ) {
    this.who = `participant ${options.participantId}`;
  }

  /** Builds the peer and its send-only transceivers (no network I/O until `createOffer`). */
  static async create(options: WebRtcParticipantOptions): Promise<WebRtcParticipantTransport> {
    const pc = createPeer({ videoPayloadType: options.video?.payloadType ?? null, audioPayloadType: options.audio?.payloadType ?? null, extensions: options.extensions }, options);
    const videoSender = options.video ? WebRtcParticipantTransport.sender(pc, 'video', options.video.ssrc) : null;
    const audioSender = options.audio ? WebRtcParticipantTransport.sender(pc, 'audio', options.audio.ssrc) : null;
    return new WebRtcParticipantTransport(pc, options, videoSender, audioSender);
  }

  private static sender(pc: RTCPeerConnection, kind: 'video' | 'audio', ssrc: number): RTCRtpSender {
    const { sender } = pc.addTransceiver(kind, { direction: 'sendonly' });
    // The plan's SSRC goes into the SDP (a=ssrc) and onto every packet werift sends. Read-only in
    // werift's typings but a plain field it reads at offer and send time.
    (sender as { ssrc: number }).ssrc = ssrc >>> 0;
    // werift indexed the sender under its random SSRC for RTCP routing; index it under ours too so
    // receiver reports reach it (private in the typings, present in werift 0.24).
    (pc as unknown as { router?: { registerRtpSender?: (s: RTCRtpSender) => void } }).router?.registerRtpSender?.(sender);
    return sender;
  }

  /** The local offer SDP, after ICE gathering finished (no trickle: it carries every candidate). */
  async createOffer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await gatheringComplete(this.pc, this.who, GATHER_TIMEOUT_MS);
    return this.pc.localDescription!.sdp;
  }

  /** Applies the receiver's (probe's or SFU's) answer to our offer. */
  async acceptAnswer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
  }

  /** Resolves when ICE and DTLS are up; E_NETWORK naming the participant on failure or timeout. */
  async connected(timeoutMs: number = CONNECT_TIMEOUT_MS): Promise<void> {
    await connectionUp(this.pc, this.who, timeoutMs);
  }

  /** The selected ICE pair's local candidate type (`host`, `relay`, ...), for checks and logs. */
  selectedCandidateType(): string | null {
    return selectedLocalCandidateType(this.pc);
  }

  get errors(): number {
    return this.errorCount;
  }

  /** werift queues inside its own async send; there is no kernel-queue fast path to report. */
  get queueBusy(): number {
    return 0;
  }

  /**
   * Sends one stamped RTP packet (`header` = 12 bytes + RFC 8285 extensions, `payload` shared).
   * The medium is chosen by payload type. Packets sent before `connected()` or after `close()`,
   * with an unknown payload type, or that werift fails to send are counted in `errors`, never thrown.
   */
  send(header: Buffer, payload: Buffer): void {
    if (this.closed || this.pc.connectionState !== 'connected' || header.length < 12) {
      this.errorCount++;
      return;
    }
    const payloadType = header[1] & 0x7f;
    const sender = payloadType === this.options.video?.payloadType ? this.videoSender : payloadType === this.options.audio?.payloadType ? this.audioSender : null;
    if (!sender) {
      this.errorCount++;
      return;
    }
    // A copy: the caller reuses `header` right away and werift keeps the packet for its history.
    sender.sendRtp(Buffer.concat([header, payload], header.length + payload.length)).catch(() => {
      this.errorCount++;
    });
  }

  /** Closes the peer (ICE, DTLS). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pc.close().catch(() => undefined);
  }
}
