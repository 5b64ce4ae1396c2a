import type { RTCPeerConnection, RTCRtpSender, RTCRtpTransceiver } from 'werift';
import type { FeedbackHandler, ParticipantTransport } from '../engine/transport.js';
import type { ExtensionPlan } from '../plan/types.js';
import { isRtcpPacket } from '../rtcp/index.js';
import { guardHelloVerify } from './hello-verify-guard.js';
import { handOverMedia } from './media-handover.js';
import { MediaTap } from './media-tap.js';
import { sumCounters, type NativeIceSocket, type NativeIceSocketCounters, type NativeIceSockets } from './native-ice-socket.js';
import { gatherOnNativeSockets } from './native-gathering.js';
import { NO_FEEDBACK, type FeedbackProfile } from './media-profile.js';
import { connectionUp, createPeer, gatheringComplete, selectedLocalCandidateType, type IceOptions } from './peer-config.js';
import { negotiatedFeedback } from './sdp-feedback.js';
import type { SessionSample } from './session-health.js';

const GATHER_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 20_000;
/** How long werift's path may still deliver a session's RTCP after the handover, ms (datagrams read before it). */
const HANDOVER_SETTLE_MS = 1000;
const WERIFT_AFTER_HANDOVER = "RTCP of participant sessions on the native path arrived through werift's path (on a socket the handover did not cover)";

/** One medium a participant sends: the plan's SSRC and payload type for it (and its RTX SSRC, video). */
export interface SentMedium {
  ssrc: number;
  payloadType: number;
  rtxSsrc?: number | null;
  /**
   * Video simulcast (RFC 8853): the layers' RIDs, highest first, offered as `a=rid:RID send` and
   * `a=simulcast:send` in the video section. `ssrc` is then the first layer's; the others are
   * unsignaled, named on the wire by their RID and MID extensions. Absent or null: one encoding.
   */
  simulcast?: string[] | null;
}

/** What `WebRtcParticipantTransport.create` needs; every field comes from the compiled plan. */
export interface WebRtcParticipantOptions extends IceOptions {
  participantId: number;
  video: SentMedium | null;
  audio: SentMedium | null;
  extensions: ExtensionPlan;
  /** The RTCP feedback offered (the plan's `rtcp`); default none. */
  feedback?: FeedbackProfile;
  /**
   * The engine's batched layer (`--io` chose it): ICE then gathers on native sockets and, once
   * DTLS is up, the media is SRTP-protected natively in the engine's send batch. Without it
   * (dgram, no addon) werift carries the media.
   */
  native?: NativeIceSockets;
}

/** Where a connected participant's media runs: avcm's batched path (`native`) or werift's. */
export type MediaPath = 'native' | 'werift';

/**
 * A participant as a WebRTC peer (werift: ICE, DTLS-SRTP). It offers send-only H.264 and Opus
 * with the plan's payload types, SSRCs (RTX too), simulcast RIDs and RTCP feedback, and sends the engine's packets
 * exactly as stamped (sequence numbers, timestamps, extensions, SSRC) through a `MediaTap`: the
 * engine's session stages answer the RTCP the far end sends, so werift's own sender never does.
 * With the engine's batched layer (`native`), ICE runs on native sockets and `connected` hands the
 * media over to them: each packet is then only copied into the engine's send batch, which
 * SRTP-protects and sends the tick's packets in one native call, and the far end's SRTCP is
 * unprotected per received batch. Otherwise (or when the selected pair is relayed through TURN)
 * the tap parses, copies and encrypts each packet in JavaScript.
 *
 * Order: `create` → `createOffer` → (signal the offer, get the answer) → `acceptAnswer` →
 * `connected` → `send`... → `close`.
 */
export class WebRtcParticipantTransport implements ParticipantTransport {
  private errorCount = 0;
  private closed = false;
  private readonly who: string;
  private readonly tap: MediaTap;
  private feedback: FeedbackHandler | null = null;
  /** Whether the answer accepted RTX (retransmissions then go on the RTX SSRC); false before `acceptAnswer`. */
  rtxNegotiated = false;
  /** For the session's watcher: when the connection state last changed, and the far end's last RTCP (epoch ms). */
  private stateSinceEpochMs = Date.now();
  private lastInboundEpochMs: number | null = null;
  private readonly native: NativeIceSockets | null;
  /** The native socket sending the media once handed over. */
  private media: NativeIceSocket | null = null;
  /** Every native socket of the session once handed over (`media` first): each unprotects what it receives. */
  private mediaSockets: NativeIceSocket[] = [];
  /**
   * Where the media runs once connected (null before); `mediaPathReason` says why when it is
   * werift's although the batched layer was there, or, when native, that werift's path still
   * delivered RTCP of the session once the handover settled (a socket the handover did not cover).
   */
  mediaPath: MediaPath | null = null;
  mediaPathReason: string | null = null;
  /** When the media was handed over (epoch ms; 0 before). */
  private handedOverAtMs = 0;

  private constructor(
    private readonly pc: RTCPeerConnection,
    options: WebRtcParticipantOptions,
    private readonly videoTransceiver: RTCRtpTransceiver | null,
  ) {
    this.who = `participant ${options.participantId}`;
    this.native = options.native ?? null;
    this.tap = new MediaTap(pc);
    // RTCP from the far end (receiver reports, NACK, PLI, FIR, REMB) goes to the engine's stages.
    this.tap.attach(null, (bytes, arrivalEpochMs) => {
      this.lastInboundEpochMs = arrivalEpochMs;
      // Datagrams read before the handover may still reach werift's path for a moment; later ones missed the native path.
      if (this.media !== null && arrivalEpochMs - this.handedOverAtMs > HANDOVER_SETTLE_MS) this.mediaPathReason = WERIFT_AFTER_HANDOVER;
      this.feedback?.(bytes, bytes.length);
    });
    pc.connectionStateChange.subscribe(() => (this.stateSinceEpochMs = Date.now()));
  }

  /** Builds the peer and its send-only transceivers (no network I/O until `createOffer`). */
  static async create(options: WebRtcParticipantOptions): Promise<WebRtcParticipantTransport> {
    const feedback = options.feedback ?? NO_FEEDBACK;
    const rids = options.video?.simulcast ?? null;
    const pc = createPeer({ videoPayloadType: options.video?.payloadType ?? null, audioPayloadType: options.audio?.payloadType ?? null, extensions: options.extensions, feedback, simulcast: rids !== null }, options);
    const video = options.video ? WebRtcParticipantTransport.sender(pc, 'video', options.video.ssrc, feedback.rtxPayloadType !== null ? (options.video.rtxSsrc ?? null) : null, rids) : null;
    if (options.audio) WebRtcParticipantTransport.sender(pc, 'audio', options.audio.ssrc, null, null);
    return new WebRtcParticipantTransport(pc, options, video);
  }

  private static sender(pc: RTCPeerConnection, kind: 'video' | 'audio', ssrc: number, rtxSsrc: number | null, rids: string[] | null): RTCRtpTransceiver {
    const transceiver = pc.addTransceiver(kind, { direction: 'sendonly', ...(rids ? { simulcast: rids.map((rid) => ({ rid, direction: 'send' as const })) } : {}) });
    const { sender } = transceiver;
    // The plan's SSRCs go into the SDP (a=ssrc, and the RTX one in a=ssrc-group:FID). Read-only
    // in werift's typings but plain fields it reads at offer time.
    (sender as { ssrc: number }).ssrc = ssrc >>> 0;
    if (rtxSsrc !== null) (sender as { rtxSsrc: number }).rtxSsrc = rtxSsrc >>> 0;
    // werift indexed the sender under its random SSRC for RTCP routing; index it under ours too so
    // receiver reports reach it (private in the typings, present in werift 0.24).
    (pc as unknown as { router?: { registerRtpSender?: (s: RTCRtpSender) => void } }).router?.registerRtpSender?.(sender);
    return transceiver;
  }

  /** The video section's MID once the offer is made (simulcast layers stamp it); null before or without video. */
  get videoMid(): string | null {
    return this.videoTransceiver?.mid ?? null;
  }

  /** The local offer SDP, after ICE gathering finished (no trickle: it carries every candidate). */
  async createOffer(): Promise<string> {
    const offer = await this.pc.createOffer();
    guardHelloVerify(this.pc);
    const native = this.native;
    if (native) gatherOnNativeSockets(this.pc, (family) => native.open(this.who, family));
    await this.pc.setLocalDescription(offer);
    await gatheringComplete(this.pc, this.who, GATHER_TIMEOUT_MS);
    return this.pc.localDescription!.sdp;
  }

  /** Applies the receiver's (probe's or SFU's) answer to our offer. */
  async acceptAnswer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    this.rtxNegotiated = negotiatedFeedback(sdp, 'video').rtxPayloadType !== null;
  }

  onFeedback(handler: FeedbackHandler): void {
    this.feedback = handler;
  }

  /**
   * Resolves when ICE and DTLS are up, the media handed over to the native path when there is
   * one (`mediaPath`); E_NETWORK naming the participant on failure or timeout.
   */
  async connected(timeoutMs: number = CONNECT_TIMEOUT_MS): Promise<void> {
    await connectionUp(this.pc, this.who, timeoutMs);
    if (this.mediaPath !== null) return;
    if (!this.native) {
      this.mediaPath = 'werift';
      return;
    }
    const handover = handOverMedia(this.pc, this.native.io.udp);
    if (handover.socket === null) {
      this.mediaPath = 'werift';
      this.mediaPathReason = handover.reason;
      return;
    }
    // The far end's SRTCP, unprotected natively (on whichever of the session's sockets it arrives): the engine's session stages answer it.
    for (const socket of handover.sockets) {
      socket.onMedia = (buf, length) => {
        this.lastInboundEpochMs = socket.arrivalEpochMs;
        this.feedback?.(buf, length);
      };
    }
    this.media = handover.socket;
    this.mediaSockets = handover.sockets;
    this.handedOverAtMs = Date.now();
    this.mediaPath = 'native';
  }

  /** The session as its watcher samples it (connection state, and what the far end last sent). */
  sample(): SessionSample {
    return { connectionState: this.closed ? 'closed-here' : this.pc.connectionState, stateSinceEpochMs: this.stateSinceEpochMs, lastInboundEpochMs: this.lastInboundEpochMs };
  }

  /**
   * What the session's native sockets saw so far, summed (RTCP received, STUN consent checks both
   * ways, drops); null while the media is not on the native path. Cheap; for checks and reports.
   */
  nativeSocketCounters(): NativeIceSocketCounters | null {
    return this.media === null ? null : sumCounters(this.mediaSockets);
  }

  /** The selected ICE pair's local candidate type (`host`, `relay`, ...), for checks and logs. */
  selectedCandidateType(): string | null {
    return selectedLocalCandidateType(this.pc);
  }

  get errors(): number {
    return this.errorCount + this.tap.errors;
  }

  /** werift queues inside its own async send; there is no kernel-queue fast path to report. */
  get queueBusy(): number {
    return 0;
  }

  /**
   * Sends one stamped RTP packet (`header[0..headerLength)` = 12 bytes + RFC 8285 extensions,
   * `payload` shared) or one RTCP compound (the whole packet in `header`, empty payload), told
   * apart as RFC 5761 says. Packets sent before `connected()` or after `close()`, or that fail to
   * be protected, are counted in `errors`, never thrown.
   */
  send(header: Buffer, headerLength: number, payload: Buffer): void {
    if (this.closed || this.pc.connectionState !== 'connected' || headerLength < 4) {
      this.errorCount++;
      return;
    }
    const media = this.media;
    if (media !== null) {
      if (media.closed) this.errorCount++;
      else media.sendMedia(header, headerLength, payload);
      return;
    }
    if (isRtcpPacket(header, headerLength)) this.tap.sendRtcp(header, headerLength);
    else this.tap.sendRtp(header, headerLength, payload);
  }

  /** Closes the peer (ICE, DTLS). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pc.close().catch(() => undefined);
  }
}
