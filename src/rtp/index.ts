export { RtpHeaderWriter } from './header.js';
export { absSendTimeFromMs, absSendTimeDeltaMs, extensionBlockBytes, type ExtensionLayout } from './extensions.js';
export { parseRtp, createParsedRtp, type ParsedRtp } from './parse.js';
export { packetizeH264AccessUnit, H264Depacketizer, isKeyframeAccessUnit, nalType, NAL_IDR, NAL_SPS, NAL_PPS, NAL_SEI, NAL_AUD, NAL_SLICE, NAL_STAP_A, NAL_FU_A } from './h264.js';
export { opusPacketDurationMs } from './opus.js';
