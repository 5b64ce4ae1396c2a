import { RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters } from 'werift';
import type { ExtensionPlan } from '../plan/types.js';

/** extmap URI of avcm's participant-id extension (4 bytes, big-endian participant id). */
export const PARTICIPANT_ID_URI = 'urn:avcm:participant-id';
/** extmap URI of abs-send-time (3 bytes, 6.18 fixed-point seconds). */
export const ABS_SEND_TIME_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';

/** H.264 fmtp avcm's packetizer produces: constrained baseline 3.1, FU-A/STAP-A allowed. */
export const H264_FMTP = 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f';

/**
 * The codecs both ends of an avcm WebRTC session negotiate, with the plan's exact payload types.
 * No RTCP feedback (NACK, PLI, TWCC) on purpose: retransmissions would hide the loss the probe
 * measures, and the media is pre-encoded so a keyframe request cannot be honoured.
 */
export function avcmCodecs(videoPayloadType: number | null, audioPayloadType: number | null): { video: RTCRtpCodecParameters[]; audio: RTCRtpCodecParameters[] } {
  return {
    video: videoPayloadType === null ? [] : [new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, payloadType: videoPayloadType, parameters: H264_FMTP, rtcpFeedback: [] })],
    audio: audioPayloadType === null ? [] : [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: audioPayloadType, rtcpFeedback: [] })],
  };
}

/**
 * The two RFC 8285 header extensions avcm stamps, under the plan's ids, for both media. Negotiating
 * them (extmap) is what lets an SFU forward them and werift keep them on the wire.
 */
export function avcmHeaderExtensions(extensions: ExtensionPlan): { video: RTCRtpHeaderExtensionParameters[]; audio: RTCRtpHeaderExtensionParameters[] } {
  const list = (): RTCRtpHeaderExtensionParameters[] => [
    new RTCRtpHeaderExtensionParameters({ id: extensions.participantIdId, uri: PARTICIPANT_ID_URI }),
    new RTCRtpHeaderExtensionParameters({ id: extensions.absSendTimeId, uri: ABS_SEND_TIME_URI }),
  ];
  return { video: list(), audio: list() };
}
