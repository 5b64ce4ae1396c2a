export { DROP, isActive, type FrameStage, type PacketStage } from './stage.js';
export { PacketLossStage } from './packet-loss.js';
export { NetworkJitterStage } from './network-jitter.js';
export { BandwidthLimitStage } from './bandwidth-limit.js';
export { FrameDropStage } from './frame-drop.js';
export { BitrateReduceStage } from './bitrate-reduce.js';
export { ParticipantChaos, createParticipantChaos, activeSpikesAt } from './participant-chaos.js';
