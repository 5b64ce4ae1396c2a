/**
 * GStreamer as an independent RTP/RTCP endpoint for avcm's wire formats (a test oracle): a
 * receiver that reports, NACKs, unwraps RTX, asks for keyframes and decodes; a sender that sends
 * SR, answers NACK with RTX (or the same packet) and PLI/FIR with an IDR; and a seeded lossy relay
 * for the network in between. See README.md in this folder for the pipelines and the choices.
 */
export { gstreamerMissing } from './gst-launch.js';
export { startGstReceiver, type GstReceiver, type GstReceiverOptions, type GstReceiverStats } from './gst-receiver.js';
export { startGstSender, type GstSender, type GstSenderOptions, type GstSenderStats, type Retransmission } from './gst-sender.js';
export { startLossyRelay, type LossyRelay, type LossyRelayOptions, type SeenSources } from './lossy-relay.js';
export { RtcpMuxBridge, type Endpoint, type InboundSources } from './rtcp-mux-bridge.js';
export { WireTally, isRtcp, mainSsrc, rtpPayloadOffset, type WireCounts, type ReportBlock } from './wire-tally.js';
export type { NackResponseSummary } from './nack-response-clock.js';
export type { RtpSourceStats, SessionStats } from './gst-output.js';
