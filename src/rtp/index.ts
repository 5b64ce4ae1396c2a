/**
 * RTP wire format (RFC 3550) for avcm's media: the per-stream header writer and the parser of the
 * hot path (both allocation-free per packet), the RFC 8285 / legacy header extensions with the
 * abs-send-time clock, H.264 packetization (RFC 6184 mode 1), the picture size in an SPS, and Opus
 * durations (RFC 7587/6716).
 */
export { RtpHeaderWriter, type RtpHeaderOptions } from './header.js';
export {
  absSendTimeFromMs,
  absSendTimeDeltaMs,
  extensionBlockBytes,
  readExtensionBlock,
  ONE_BYTE_PROFILE,
  TWO_BYTE_PROFILE,
  TWO_BYTE_PROFILE_MASK,
  LEGACY_PROFILE,
  RTP_STREAM_ID_URI,
  REPAIRED_RTP_STREAM_ID_URI,
  MID_URI,
  type ExtensionLayout,
  type ExtensionValues,
} from './extensions.js';
export { parseRtp, createParsedRtp, readRid, type ParsedRtp } from './parse.js';
export { packetizeH264AccessUnit, H264Depacketizer, isKeyframeAccessUnit, classifyH264Payload, PAYLOAD_IDR, PAYLOAD_SLICE, PAYLOAD_REFERENCE, PAYLOAD_SPS, nalType, NAL_IDR, NAL_SPS, NAL_PPS, NAL_SEI, NAL_AUD, NAL_SLICE, NAL_STAP_A, NAL_FU_A } from './h264.js';
export { opusPacketDurationMs } from './opus.js';
export { SpsReader, type SpsResolution } from './h264-sps.js';
