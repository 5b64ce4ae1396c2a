import { performance } from 'node:perf_hooks';
import type { RTCPeerConnection } from 'werift';
import { AvcmError } from '../errors/index.js';
import type { ExtensionPlan } from '../plan/types.js';
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

/**
 * The probe's WebRTC side: one werift peer per participant (participant offers, probe answers),
 * every decrypted RTP packet serialized back to bytes (extensions included) and handed to `onRtp`,
 * so WebRTC runs are measured by the same pure ingest path as plain RTP.
 */
export class WebRtcProbeSession {
  private readonly peers = new Map<number, RTCPeerConnection>();
  private closed = false;

  constructor(private readonly options: WebRtcProbeOptions) {}

  /**
   * Answers participant `participantId`'s offer: creates its peer, applies the offer and returns
   * the answer SDP once ICE gathering finished. A second offer for the same id replaces the peer.
   */
  async answer(participantId: number, offerSdp: string): Promise<string> {
    if (this.closed) throw new AvcmError('E_RUN', `participant ${participantId} offered after the WebRTC probe closed`);
    const pc = createPeer(this.options, this.options);
    const onRtp = this.options.onRtp;
    const origin = performance.timeOrigin;
    pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => {
        onRtp(rtp.serialize(), origin + performance.now(), participantId);
      });
    });
    const previous = this.peers.get(participantId);
    this.peers.set(participantId, pc);
    if (previous) await previous.close().catch(() => undefined);
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gatheringComplete(pc, `probe for participant ${participantId}`, GATHER_TIMEOUT_MS);
    return pc.localDescription!.sdp;
  }

  /** Resolves when participant `participantId`'s session is up; E_NETWORK on failure or timeout. */
  async connected(participantId: number, timeoutMs: number = CONNECT_TIMEOUT_MS): Promise<void> {
    const pc = this.peers.get(participantId);
    if (!pc) throw new AvcmError('E_INTERNAL', `no WebRTC probe session for participant ${participantId}: answer() must come first`);
    await connectionUp(pc, `probe for participant ${participantId}`, timeoutMs);
  }

  /** How many participant sessions are connected right now. */
  connectedCount(): number {
    let n = 0;
    for (const pc of this.peers.values()) if (pc.connectionState === 'connected') n++;
    return n;
  }

  /** Closes every peer. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const peers = [...this.peers.values()];
    this.peers.clear();
    await Promise.all(peers.map((pc) => pc.close().catch(() => undefined)));
  }
}
