/**
 * The RTCP feedback loop as small stages (pion/interceptor is the model), shared by engines and
 * the probe: a sending stream's history, NACK and keyframe responders, sender reports and RTT;
 * a receiving stream's NACK list, reception reports and keyframe requests; the due-time heap and
 * per-window counters both sides use. Wire formats are in `rtcp/`; the probe's playout model and
 * its per-stream composition are in `probe/`.
 */
export { DueHeap } from './due-heap.js';
export { WindowCounters } from './window-counters.js';
export { SendHistory } from './send-history.js';
export { writeRtxHeader, readRtxOriginalSequence, relabelRid } from './rtx-packet.js';
export { NackResponder, type RetransmitOutput, type RtxStream } from './nack-responder.js';
export { KeyframeResponder } from './keyframe-responder.js';
export { SenderReporter } from './sender-report.js';
export { SENDER_FIELDS, SENDER_FIELD_COUNT, SenderStats, type SenderField, type SenderStreamReport, type MediaKind } from './sender-stats.js';
export { SenderSession, type SenderSessionInit, type SenderFeedbackOptions } from './sender-session.js';
export { SenderFeedback, type ControlOutput } from './sender-feedback.js';
export { NackGenerator, NACK_MODEL } from './nack-generator.js';
export { ReceptionReport } from './reception-report.js';
export { KeyframeRequester, KEYFRAME_REQUESTS } from './keyframe-requester.js';
