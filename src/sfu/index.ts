export { sfuAdapter, type SfuAdapter, type ProbeSide } from './adapter.js';
export { JanusSession, createRoom, destroyRoom, publish, subscribe } from './janus-videoroom.js';
export { exchangeSdp, endSession, participantUrl } from './whip.js';
