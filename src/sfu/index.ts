export { sfuAdapter, type SfuAdapter, type SfuAdapterOptions, type ProbeSide } from './adapter.js';
export { JanusSession, JanusError, createRoom, ensureRoom, destroyRoom, publish, subscribe, configureSubstream, listParticipants, type SubscribeOptions } from './janus-videoroom.js';
export { ProbeSubscriptions, RESUBSCRIBE_BACKOFF, type ProbeSubscriptionOptions, type SubscribingViewer, type WatchedProbe } from './probe-subscriptions.js';
export { exchangeSdp, endSession, participantUrl } from './whip.js';
export { LayerSwitchTimeline, type LayerRequest } from './layer-switch-timeline.js';
