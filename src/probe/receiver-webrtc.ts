import { performance } from 'node:perf_hooks';
import { RTCPeerConnection } from 'werift';
import { avcmCodecs, avcmHeaderExtensions } from '../engine/transport-webrtc.js';
import type { IceServer } from '../engine/turn-credentials.js';
import type { ExtensionPlan } from '../plan/types.js';
import type { ProbeReceiver } from './receiver.js';

export interface WebRtcProbeOptions {
  videoPayloadType: number;
  audioPayloadType: number;
  extensions: ExtensionPlan;
  iceServers: IceServer[];
  loopbackOnly?: boolean;
}

/**
 * The probe's WebRTC side: one werift peer per participant, each packet it decrypts handed to the
 * same pure `ingest` path as UDP packets — so WebRTC runs are measured exactly like plain RTP, and
 * each stream is attributed to the participant whose session carried it (an SFU may strip avcm's
 * participant-id extension).
 */
export class WebRtcProbeSession {
  private readonly peers = new Map<number, RTCPeerConnection>();
  private closed = false;

  constructor(
    private readonly probe: ProbeReceiver,
    private readonly options: WebRtcProbeOptions,
  ) {}

  private peer(participantId: number): RTCPeerConnection {
    const pc = new RTCPeerConnection({
      codecs: avcmCodecs({ payloadType: this.options.videoPayloadType }, { payloadType: this.options.audioPayloadType }),
      headerExtensions: avcmHeaderExtensions(this.options.extensions),
      iceServers: this.options.iceServers,
      ...(this.options.loopbackOnly ? { iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv4: true, iceUseIpv6: false, iceFilterCandidatePair: (pair: { remoteCandidate: { host: string } }) => pair.remoteCandidate.host.startsWith('127.') } : {}),
    } as ConstructorParameters<typeof RTCPeerConnection>[0]);
    const origin = performance.timeOrigin;
    pc.onTrack.subscribe((track) => {
      // An SFU may renumber payload types (Janus offers H.264 as 107 with RTX 108): the track knows
      // its medium, so packets of its primary codec are counted under avcm's payload type, and
      // retransmissions (RTX) are not counted as media.
      const canonical = track.kind === 'video' ? this.options.videoPayloadType : this.options.audioPayloadType;
      track.onReceiveRtp.subscribe((rtp) => {
        const primary = track.codec?.payloadType;
        if (primary !== undefined && rtp.header.payloadType !== primary) return;
        const bytes = rtp.serialize();
        bytes[1] = (bytes[1] & 0x80) | canonical;
        this.probe.ingest(bytes, bytes.length, origin + performance.now(), participantId);
      });
    });
    this.peers.get(participantId)?.close().catch(() => undefined);
    this.peers.set(participantId, pc);
    return pc;
  }

  private static async gathered(pc: RTCPeerConnection): Promise<void> {
    if (pc.iceGatheringState === 'complete') return;
    await new Promise<void>((resolve) => {
      const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          unSubscribe();
          resolve();
        }
      });
    });
  }

  /** Answers a participant's offer (the participant offered its send-only media). */
  async answer(participantId: number, offerSdp: string): Promise<string> {
    const pc = this.peer(participantId);
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await WebRtcProbeSession.gathered(pc);
    return pc.localDescription!.sdp;
  }

  /** Offers to receive (WHEP): returns the offer; `acceptAnswer` completes it. */
  async offer(participantId: number): Promise<string> {
    const pc = this.peer(participantId);
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await WebRtcProbeSession.gathered(pc);
    return pc.localDescription!.sdp;
  }

  async acceptAnswer(participantId: number, answerSdp: string): Promise<void> {
    await this.peers.get(participantId)?.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  }

  /** Peers whose connection is up. */
  connectedCount(): number {
    return [...this.peers.values()].filter((pc) => pc.connectionState === 'connected').length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.peers.values()].map((pc) => pc.close().catch(() => undefined)));
  }
}
