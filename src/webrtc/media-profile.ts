import { RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters } from 'werift';
import type { ExtensionPlan, Plan } from '../plan/types.js';
import { MID_URI, REPAIRED_RTP_STREAM_ID_URI, RTP_STREAM_ID_URI } from '../rtp/index.js';

/** extmap URI of avcm's participant-id extension (4 bytes, big-endian participant id). */
export const PARTICIPANT_ID_URI = 'urn:avcm:participant-id';
/** extmap URI of abs-send-time (3 bytes, 6.18 fixed-point seconds). */
export const ABS_SEND_TIME_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';

/** H.264 fmtp avcm's packetizer produces: constrained baseline 3.1, FU-A/STAP-A allowed. */
export const H264_FMTP = 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f';

/** Which RTCP feedback an end offers (the plan's `rtcp` for participants, `probe` for the probe). */
export interface FeedbackProfile {
  /** Generic NACK (`a=rtcp-fb:PT nack`). */
  nack: boolean;
  /** Keyframe requests: `nack pli` and `ccm fir`. */
  pli: boolean;
  /** An RTX codec (`video/rtx`, `apt` = the video payload type) on this payload type; null = none. */
  rtxPayloadType: number | null;
}

/** No feedback at all: the open-loop session (`participants.rtcp: false`). */
export const NO_FEEDBACK: FeedbackProfile = { nack: false, pli: false, rtxPayloadType: null };

/** What a participant offers: the plan's `rtcp` (RTX only when NACKs are answered with it). */
export function participantFeedback(plan: Plan): FeedbackProfile {
  const rtcp = plan.rtcp;
  if (!rtcp || !plan.media.video) return NO_FEEDBACK;
  return { nack: rtcp.nack, pli: rtcp.pli, rtxPayloadType: rtcp.nack && rtcp.rtx ? plan.media.video.rtxPayloadType : null };
}

/** What the probe offers and answers with: the plan's `probe` (it receives RTX when it NACKs). */
export function probeFeedback(plan: Plan): FeedbackProfile {
  if (!plan.media.video) return NO_FEEDBACK;
  return { nack: plan.probe.nack, pli: plan.probe.pli, rtxPayloadType: plan.probe.nack ? plan.media.video.rtxPayloadType : null };
}

/**
 * The codecs both ends of an avcm WebRTC session negotiate, with the plan's exact payload types and
 * the RTCP feedback of the profile, as a browser offers them: `nack`, `nack pli`, `ccm fir` and RTX
 * for video (RFC 4585, 5104, 4588); audio relies on concealment, so it gets none. The feedback
 * itself is handled by avcm's session stages, not by werift (see `MediaTap`).
 */
export function avcmCodecs(videoPayloadType: number | null, audioPayloadType: number | null, feedback: FeedbackProfile = NO_FEEDBACK): { video: RTCRtpCodecParameters[]; audio: RTCRtpCodecParameters[] } {
  const videoFeedback = [
    ...(feedback.nack ? [{ type: 'nack' }] : []),
    ...(feedback.pli ? [{ type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] : []),
  ];
  const video: RTCRtpCodecParameters[] = [];
  if (videoPayloadType !== null) {
    video.push(new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, payloadType: videoPayloadType, parameters: H264_FMTP, rtcpFeedback: videoFeedback }));
    if (feedback.rtxPayloadType !== null) video.push(new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType: feedback.rtxPayloadType, parameters: `apt=${videoPayloadType}`, rtcpFeedback: [] }));
  }
  return {
    video,
    audio: audioPayloadType === null ? [] : [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: audioPayloadType, rtcpFeedback: [] })],
  };
}

/**
 * The two RFC 8285 header extensions avcm stamps, under the plan's ids, for both media. Negotiating
 * them (extmap) is what lets an SFU forward them and werift keep them on the wire. With simulcast,
 * video also negotiates the RID, repaired RID (RFC 8852) and MID (RFC 8843) extensions its layers
 * carry: an SFU places the layers' unsignaled SSRCs by them.
 */
export function avcmHeaderExtensions(extensions: ExtensionPlan, simulcast = false): { video: RTCRtpHeaderExtensionParameters[]; audio: RTCRtpHeaderExtensionParameters[] } {
  const list = (): RTCRtpHeaderExtensionParameters[] => [
    new RTCRtpHeaderExtensionParameters({ id: extensions.participantIdId, uri: PARTICIPANT_ID_URI }),
    new RTCRtpHeaderExtensionParameters({ id: extensions.absSendTimeId, uri: ABS_SEND_TIME_URI }),
  ];
  const video = list();
  if (simulcast) {
    for (const [id, uri] of simulcastExtensionIds(extensions)) video.push(new RTCRtpHeaderExtensionParameters({ id, uri }));
  }
  return { video, audio: list() };
}

/** The simulcast extensions' plan ids by URI (those the plan defines). */
export function simulcastExtensionIds(extensions: ExtensionPlan): [number, string][] {
  const ids: [number | undefined, string][] = [
    [extensions.midId, MID_URI],
    [extensions.ridId, RTP_STREAM_ID_URI],
    [extensions.repairedRidId, REPAIRED_RTP_STREAM_ID_URI],
  ];
  return ids.filter((entry): entry is [number, string] => entry[0] !== undefined && entry[0] > 0);
}
