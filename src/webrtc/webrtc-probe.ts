import type { RTCPeerConnection } from 'werift';
import { AvcmError } from '../errors/index.js';
import type { ExtensionPlan } from '../plan/types.js';
import { extensionRemap, remapExtensions } from './extension-remap.js';
import { MediaTap } from './media-tap.js';
import { NO_FEEDBACK, type FeedbackProfile } from './media-profile.js';
import { connectionUp, createPeer, gatheringComplete, type IceOptions } from './peer-config.js';
import { negotiatedFeedback } from './sdp-feedback.js';
import type { SessionSample } from './session-health.js';

const GATHER_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 20_000;

/** Sends RTCP back on one participant's session (the probe's receiver reports, NACKs, PLIs). */
export interface PeerReturnPath {
  send(buf: Buffer, length: number): void;
}

/**
 * Called for every RTP or RTCP packet the probe decrypts: `buf` is the whole packet (RTP header
 * with its RFC 8285 extensions, then payload; or an RTCP packet), `arrivalEpochMs` the receive
 * time in epoch milliseconds (sub-millisecond), `participantId` the participant whose session
 * carried it (useful when an SFU strips avcm's participant-id extension), `returnPath` where the
 * probe's RTCP for it goes. Feed it to `ProbeReceiver.ingest`.
 */
export type RtpSink = (buf: Buffer, arrivalEpochMs: number, participantId: number, returnPath: PeerReturnPath) => void;

/** What the probe side needs: the plan's payload types and extension ids, ICE settings, the sink. */
export interface WebRtcProbeOptions extends IceOptions {
  videoPayloadType: number | null;
  audioPayloadType: number | null;
  /** The payload type RTX packets are handed over under (the probe's RTX payload type; default 97). */
  rtxPayloadType?: number;
  extensions: ExtensionPlan;
  /** The feedback the probe offers and answers with (NACK, PLI/FIR, RTX). */
  feedback?: FeedbackProfile;
  /** Whether participants publish simulcast: the probe then negotiates the RID, repaired RID and MID extensions. */
  simulcast?: boolean;
  onRtp: RtpSink;
  /** Called with RTX SSRC -> media SSRC pairs a remote SDP declares (a=ssrc-group:FID). */
  onRtxSsrcs?: (pairs: Map<number, number>) => void;
}

interface Peer {
  pc: RTCPeerConnection;
  tap: MediaTap;
  returnPath: PeerReturnPath;
  /** Remote extension id -> plan id, or null when the remote uses the plan's ids. */
  remap: Uint8Array | null;
  /** Remote payload type -> the plan's (0 = not media: dropped). */
  payloadTypes: Uint8Array;
  /** For the subscription's watcher: when the connection state last changed, the last packet from the far end (epoch ms). */
  stateSinceEpochMs: number;
  lastInboundEpochMs: number | null;
}

/**
 * The probe's WebRTC side: one werift peer per participant (participant offers, probe answers),
 * every decrypted RTP and RTCP packet handed to `onRtp` as bytes through a `MediaTap`, so WebRTC
 * runs are measured, and fed back to, by the same pure ingest path and session stages as plain
 * RTP. RTP bytes are normalized to the plan: payload types by what the remote SDP negotiated
 * (media, and RTX to the probe's RTX payload type), avcm's extension ids by URI (an SFU may
 * renumber both); the SSRC is whatever the sender (participant or SFU) used, hence
 * `participantId` in the callback.
 */
export class WebRtcProbeSession {
  private readonly peers = new Map<number, Peer>();
  private closed = false;

  constructor(private readonly options: WebRtcProbeOptions) {}

  /**
   * Answers participant `participantId`'s offer (the participant, or an SFU forwarding it, offers):
   * creates its peer, applies the offer and returns the answer SDP once ICE gathering finished.
   * A second call for the same id replaces that participant's peer.
   */
  async answer(participantId: number, offerSdp: string): Promise<string> {
    const peer = await this.peer(participantId);
    this.learnRemote(peer, offerSdp);
    await peer.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await peer.pc.setLocalDescription(await peer.pc.createAnswer());
    await gatheringComplete(peer.pc, `probe for participant ${participantId}`, GATHER_TIMEOUT_MS);
    return peer.pc.localDescription!.sdp;
  }

  /**
   * Offers to receive participant `participantId`'s media (WHEP-style subscription through an SFU):
   * returns a receive-only offer with the plan's codecs and extension ids; `acceptAnswer` completes it.
   */
  async offer(participantId: number): Promise<string> {
    const peer = await this.peer(participantId);
    if (this.options.videoPayloadType !== null) peer.pc.addTransceiver('video', { direction: 'recvonly' });
    if (this.options.audioPayloadType !== null) peer.pc.addTransceiver('audio', { direction: 'recvonly' });
    await peer.pc.setLocalDescription(await peer.pc.createOffer());
    await gatheringComplete(peer.pc, `probe for participant ${participantId}`, GATHER_TIMEOUT_MS);
    return peer.pc.localDescription!.sdp;
  }

  /** Applies the SFU's answer to an `offer(participantId)`. */
  async acceptAnswer(participantId: number, answerSdp: string): Promise<void> {
    const peer = this.peers.get(participantId);
    if (!peer) throw new AvcmError('E_INTERNAL', `no WebRTC probe session for participant ${participantId}: offer() must come first`);
    this.learnRemote(peer, answerSdp);
    await peer.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  }

  /**
   * What the remote SDP says about its packets: an SFU may renumber payload types (Janus offers
   * H.264 as 107) and extension ids; its RTX streams are named in a=ssrc-group:FID. Other payload
   * types (RED, FEC) are not media to the probe and are dropped.
   */
  private learnRemote(peer: Peer, sdp: string): void {
    peer.remap = extensionRemap(sdp, this.options.extensions);
    peer.payloadTypes.fill(0);
    const video = negotiatedFeedback(sdp, 'video');
    const audio = negotiatedFeedback(sdp, 'audio');
    if (video.payloadType !== null && this.options.videoPayloadType !== null) peer.payloadTypes[video.payloadType & 0x7f] = this.options.videoPayloadType;
    if (video.rtxPayloadType !== null && this.options.videoPayloadType !== null) peer.payloadTypes[video.rtxPayloadType & 0x7f] = this.options.rtxPayloadType ?? 97;
    if (audio.payloadType !== null && this.options.audioPayloadType !== null) peer.payloadTypes[audio.payloadType & 0x7f] = this.options.audioPayloadType;
    if (video.rtxSsrcs.size > 0) this.options.onRtxSsrcs?.(video.rtxSsrcs);
  }

  private async peer(participantId: number): Promise<Peer> {
    if (this.closed) throw new AvcmError('E_RUN', `participant ${participantId} offered after the WebRTC probe closed`);
    const pc = createPeer({ ...this.options, feedback: this.options.feedback ?? NO_FEEDBACK }, this.options);
    const tap = new MediaTap(pc);
    const peer: Peer = {
      pc,
      tap,
      returnPath: { send: (buf, length) => void tap.sendRtcp(buf, length) },
      remap: null,
      payloadTypes: new Uint8Array(128),
      stateSinceEpochMs: Date.now(),
      lastInboundEpochMs: null,
    };
    pc.connectionStateChange.subscribe(() => (peer.stateSinceEpochMs = Date.now()));
    const onRtp = this.options.onRtp;
    tap.attach(
      (rtp, arrivalEpochMs) => {
        peer.lastInboundEpochMs = arrivalEpochMs;
        const planPayloadType = peer.payloadTypes[rtp.header.payloadType & 0x7f];
        if (planPayloadType === 0) return;
        rtp.header.payloadType = planPayloadType;
        if (peer.remap) remapExtensions(rtp.header.extensions, peer.remap);
        onRtp(rtp.serialize(), arrivalEpochMs, participantId, peer.returnPath);
      },
      (bytes, arrivalEpochMs) => {
        peer.lastInboundEpochMs = arrivalEpochMs;
        onRtp(bytes, arrivalEpochMs, participantId, peer.returnPath);
      },
    );
    const previous = this.peers.get(participantId);
    this.peers.set(participantId, peer);
    if (previous) await previous.pc.close().catch(() => undefined);
    return peer;
  }

  /** Resolves when participant `participantId`'s session is up; E_NETWORK on failure or timeout. */
  async connected(participantId: number, timeoutMs: number = CONNECT_TIMEOUT_MS): Promise<void> {
    const peer = this.peers.get(participantId);
    if (!peer) throw new AvcmError('E_INTERNAL', `no WebRTC probe session for participant ${participantId}: answer() or offer() must come first`);
    await connectionUp(peer.pc, `probe for participant ${participantId}`, timeoutMs);
  }

  /** Participant `participantId`'s session as its watcher samples it; null when there is none. */
  sample(participantId: number): SessionSample | null {
    const peer = this.peers.get(participantId);
    return peer ? { connectionState: peer.pc.connectionState, stateSinceEpochMs: peer.stateSinceEpochMs, lastInboundEpochMs: peer.lastInboundEpochMs } : null;
  }

  /** How many participant sessions are connected right now. */
  connectedCount(): number {
    let n = 0;
    for (const { pc } of this.peers.values()) if (pc.connectionState === 'connected') n++;
    return n;
  }

  /** Closes every peer. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const peers = [...this.peers.values()];
    this.peers.clear();
    await Promise.all(peers.map(({ pc }) => pc.close().catch(() => undefined)));
  }
}
