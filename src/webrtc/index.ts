// The one seam that imports werift. Load it on demand (`await import('../webrtc/index.js')`) so
// plain-UDP runs never pay for werift.
export { turnCredentials, iceServersFor, type IceServer } from './turn-credentials.js';
export { PARTICIPANT_ID_URI, ABS_SEND_TIME_URI, H264_FMTP } from './media-profile.js';
export type { IceOptions } from './peer-config.js';
export { WebRtcParticipantTransport, type WebRtcParticipantOptions, type SentMedium } from './webrtc-participant.js';
export { WebRtcProbeSession, type WebRtcProbeOptions, type RtpSink } from './webrtc-probe.js';
