import { RTCPeerConnection, RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters, type RTCRtpSender } from 'werift';
import { AvcmError } from '../errors/index.js';
import type { ExtensionPlan } from '../plan/types.js';
import type { IceServer } from './turn-credentials.js';
import type { ParticipantTransport } from './transport.js';

/** The RTP header extension URIs avcm negotiates (RFC 8285 extmap). */
export const PARTICIPANT_ID_URI = 'urn:avcm:rtp-hdrext:participant-id';
export const ABS_SEND_TIME_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';
const CONNECT_TIMEOUT_MS = 20_000;

export interface WebRtcOptions {
  participantId: number;
  video: { payloadType: number } | null;
  audio: { payloadType: number } | null;
  extensions: ExtensionPlan;
  iceServers: IceServer[];
  /** `relay` forces media through TURN (tests, restrictive networks). */
  iceTransportPolicy?: 'all' | 'relay';
  /** Restrict ICE host candidates to IPv4 loopback (tests on one machine). */
  loopbackOnly?: boolean;
}

/** Codecs and extensions both sides of an avcm WebRTC session use (H.264 packetization-mode 1, Opus). */
export function avcmCodecs(video: { payloadType: number } | null, audio: { payloadType: number } | null) {
  return {
    video: video
      ? [new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, payloadType: video.payloadType, parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f', rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] })]
      : [],
    audio: audio ? [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: audio.payloadType })] : [],
  };
}

export function avcmHeaderExtensions(extensions: ExtensionPlan) {
  const list = [
    new RTCRtpHeaderExtensionParameters({ id: extensions.participantIdId, uri: PARTICIPANT_ID_URI }),
    new RTCRtpHeaderExtensionParameters({ id: extensions.absSendTimeId, uri: ABS_SEND_TIME_URI }),
  ];
  return { video: list, audio: list };
}

/**
 * A participant as a WebRTC peer (werift: ICE, DTLS-SRTP): it offers send-only H.264 and Opus and
 * sends the engine's packets as they are — the shared payloads and the stamped header with avcm's
 * extensions; werift applies the negotiated SSRC and encrypts. Errors are counted, never thrown.
 */
export class WebRtcTransport implements ParticipantTransport {
  errors = 0;
  queueBusy = 0;
  private readonly pc: RTCPeerConnection;
  private readonly videoSender: RTCRtpSender | null;
  private readonly audioSender: RTCRtpSender | null;
  private readonly videoPayloadType: number;
  private closed = false;

  constructor(private readonly options: WebRtcOptions) {
    this.pc = new RTCPeerConnection({
      codecs: avcmCodecs(options.video, options.audio),
      headerExtensions: avcmHeaderExtensions(options.extensions),
      iceServers: options.iceServers,
      iceTransportPolicy: options.iceTransportPolicy ?? 'all',
      ...(options.loopbackOnly ? { iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv4: true, iceUseIpv6: false, iceFilterCandidatePair: (pair: { remoteCandidate: { host: string } }) => pair.remoteCandidate.host.startsWith('127.') } : {}),
    } as ConstructorParameters<typeof RTCPeerConnection>[0]);
    this.videoSender = options.video ? this.pc.addTransceiver('video', { direction: 'sendonly' }).sender : null;
    this.audioSender = options.audio ? this.pc.addTransceiver('audio', { direction: 'sendonly' }).sender : null;
    this.videoPayloadType = options.video?.payloadType ?? -1;
  }

  /** The local offer once ICE gathering completed (no trickle: one SDP carries every candidate). */
  async createOffer(): Promise<string> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    await this.gathered();
    return this.pc.localDescription!.sdp;
  }

  /** Answers an offer from the other side (when the SFU or receiver offers first). */
  async answer(offerSdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    await this.gathered();
    return this.pc.localDescription!.sdp;
  }

  async acceptAnswer(answerSdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  }

  private async gathered(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return;
    await new Promise<void>((resolve) => {
      const { unSubscribe } = this.pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          unSubscribe();
          resolve();
        }
      });
    });
  }

  /** Resolves when ICE and DTLS are up; E_NETWORK naming the participant on failure or timeout. */
  async connected(timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
    if (this.pc.connectionState === 'connected') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        unSubscribe();
        reject(new AvcmError('E_NETWORK', `participant ${this.options.participantId}: WebRTC did not connect within ${timeoutMs / 1000}s (ICE ${this.pc.iceConnectionState})`, { hint: 'check the TURN servers and that the receiver answered' }));
      }, timeoutMs);
      const { unSubscribe } = this.pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') {
          clearTimeout(timer);
          unSubscribe();
          resolve();
        } else if (state === 'failed' || state === 'closed') {
          clearTimeout(timer);
          unSubscribe();
          reject(new AvcmError('E_NETWORK', `participant ${this.options.participantId}: WebRTC connection ${state}`));
        }
      });
    });
  }

  /** The selected ICE candidate pair's local type (`host`, `relay`, ...), for checks and logs. */
  selectedCandidateType(): string | null {
    const transport = this.pc.iceTransports[0] as unknown as { connection?: { nominated?: { localCandidate?: { type?: string } } } } | undefined;
    return transport?.connection?.nominated?.localCandidate?.type ?? null;
  }

  send(header: Buffer, payload: Buffer): void {
    if (this.closed) return;
    const sender = (header[1] & 0x7f) === this.videoPayloadType ? this.videoSender : this.audioSender;
    if (!sender) return;
    // werift parses and re-serializes each packet (it owns SRTP); the copy also frees our header buffer.
    sender.sendRtp(Buffer.concat([header, payload])).catch(() => {
      this.errors++;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pc.close().catch(() => undefined);
  }
}
