/**
 * WebRTC for avcm: the one seam that imports werift. Load it on demand
 * (`await import('../webrtc/index.js')`) so plain-UDP runs never pay for werift.
 *
 * Wiring, participant side (engine, per participant):
 *   const t = await WebRtcParticipantTransport.create({ participantId, video: { ssrc, payloadType } | null,
 *     audio: { ssrc, payloadType } | null, extensions: plan.extensions, iceServers: iceServersFor(plan.turn, env) });
 *   const answer = await signal(participantId, await t.createOffer()); // probe.answer(...) or an SFU's publish
 *   await t.acceptAnswer(answer); await t.connected();                  // then t.send(header, headerLength, payload) per packet
 *
 * Probe side (runner, once per run):
 *   const session = new WebRtcProbeSession({ videoPayloadType, audioPayloadType, extensions: plan.extensions,
 *     rtxPayloadType, feedback: probeFeedback(plan), iceServers, onRtxSsrcs: (pairs) => receiver.registerRtx(pairs),
 *     onRtp: (buf, arrivalEpochMs, participantId, path) => receiver.ingest(buf, buf.length, arrivalEpochMs, participantId, path) });
 *   session.answer(participantId, offerSdp) answers each participant's offer (the `signal` above);
 *   session.offer(participantId) + session.acceptAnswer(participantId, sdp) subscribe through an SFU;
 *   session.close() at the end.
 *
 * The native media path (`--io batched`): participants get `native: new NativeIceSockets(engineIo)`
 * (the engine's BatchedEngineIo, flushed per tick) and the probe `udp` (its BatchedUdp). werift then
 * gathers on avcm's sockets and, once DTLS is up, the media is SRTP-protected and unprotected in the
 * batched send and receive calls (`mediaPath`, `mediaPaths()` say where it runs).
 *
 * Recovering as real clients do: `RejoiningParticipantTransport.open(join, { participantId, log })`
 * wraps the participant's transport and joins again (with backoff) when its session is lost;
 * `sessionLostReason` judges a session; `rejoinWithBackoff` is the retry loop both sides use.
 */
export { turnCredentials, iceServersFor, type IceServer } from './turn-credentials.js';
export { PARTICIPANT_ID_URI, ABS_SEND_TIME_URI, H264_FMTP, participantFeedback, probeFeedback, NO_FEEDBACK, type FeedbackProfile } from './media-profile.js';
export type { IceOptions } from './peer-config.js';
export { WebRtcParticipantTransport, type WebRtcParticipantOptions, type SentMedium, type MediaPath } from './webrtc-participant.js';
export { WebRtcProbeSession, type WebRtcProbeOptions, type RtpSink, type ProbeIngest, type ProbeMediaPaths, type PeerReturnPath } from './webrtc-probe.js';
export { NativeIceSockets, NativeIceSocket, type NativeMediaIo, type NativeIceSocketCounters } from './native-ice-socket.js';
export { RejoiningParticipantTransport, type RejoiningOptions } from './rejoining-participant.js';
export { rejoinWithBackoff, type RejoinOptions } from './rejoin.js';
export { backoffDelayMs, REJOIN_BACKOFF, type BackoffPolicy } from './backoff.js';
export { sessionLostReason, SESSION_HEALTH, type HealthThresholds, type SessionSample } from './session-health.js';
export { ReconnectLog, type ReconnectRecord, type ReconnectEntry } from './reconnect-record.js';
