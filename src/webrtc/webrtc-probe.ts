import { performance } from 'node:perf_hooks';
import type { RTCPeerConnection } from 'werift';
import { AvcmError } from '../errors/index.js';
import type { ExtensionPlan } from '../plan/types.js';
import { extensionRemap, remapExtensions } from './extension-remap.js';
import { connectionUp, createPeer, gatheringComplete, type IceOptions } from './peer-config.js';

const GATHER_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 20_000;

/**
 * Called for every RTP packet the probe decrypts: `buf` is the whole RTP packet (header with its
 * RFC 8285 extensions, then payload), `arrivalEpochMs` the receive time in epoch milliseconds
 * (sub-millisecond), `participantId` the participant whose session carried it (useful when an SFU
 * strips avcm's participant-id extension). Feed it to `ProbeReceiver.ingest(buf, buf.length, arrivalEpochMs)`.
 */
export type RtpSink = (buf: Buffer, arrivalEpochMs: number, participantId: number) => void;

/** What the probe side needs: the plan's payload types and extension ids, ICE settings, the sink. */
export interface WebRtcProbeOptions extends IceOptions {
  videoPayloadType: number | null;
  audioPayloadType: number | null;
  extensions: ExtensionPlan;
  onRtp: RtpSink;
}

interface Peer {
  pc: RTCPeerConnection;
  /** Remote extension id -> plan id, or null when the remote uses the plan's ids. */
  remap: Uint8Array | null;
}

/**
 * The probe's WebRTC side: one werift peer per participant (participant offers, probe answers),
 * every decrypted RTP packet serialized back to bytes (extensions included) and handed to `onRtp`,
 * so WebRTC runs are measured by the same pure ingest path as plain RTP. The bytes are normalized
 * to the plan: payload type by track kind, avcm's extension ids by URI (an SFU may renumber both);
 * the SSRC is whatever the sender (participant or SFU) used, hence `participantId` in the callback.
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
    peer.remap = extensionRemap(offerSdp, this.options.extensions);
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
    peer.remap = extensionRemap(answerSdp, this.options.extensions);
    await peer.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  }

  private async peer(participantId: number): Promise<Peer> {
    if (this.closed) throw new AvcmError('E_RUN', `participant ${participantId} offered after the WebRTC probe closed`);
    const peer: Peer = { pc: createPeer(this.options, this.options), remap: null };
    const onRtp = this.options.onRtp;
    const origin = performance.timeOrigin;
    peer.pc.onTrack.subscribe((track) => {
      // An SFU may renumber payload types (Janus offers H.264 as 107): the track knows its medium,
      // so its primary codec's packets are handed over under the plan's payload type, and other
      // payload types on the track (RTX, RED) are not counted as media.
      const planPayloadType = track.kind === 'video' ? this.options.videoPayloadType : this.options.audioPayloadType;
      track.onReceiveRtp.subscribe((rtp) => {
        const arrivalEpochMs = origin + performance.now();
        const primary = track.codec?.payloadType;
        if (planPayloadType === null || (primary !== undefined && rtp.header.payloadType !== primary)) return;
        rtp.header.payloadType = planPayloadType;
        if (peer.remap) remapExtensions(rtp.header.extensions, peer.remap);
        onRtp(rtp.serialize(), arrivalEpochMs, participantId);
      });
    });
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
