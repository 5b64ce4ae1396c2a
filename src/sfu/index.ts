export { sfuAdapter, type SfuAdapter, type ProbeSide } from './adapter.js';
export { JanusSession, createRoom, destroyRoom, publish, subscribe, listParticipants, type SubscribeOptions } from './janus-videoroom.js';
export { exchangeSdp, endSession, participantUrl } from './whip.js';
