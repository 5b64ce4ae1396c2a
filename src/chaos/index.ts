/**
 * Network chaos as composable stages: encoder-side stages plan each video frame, network-side
 * stages give each packet a leave time or DROP; `createParticipantChaos` chains a participant's
 * (the uplink), `DownlinkChaos` a viewer's (applied by the probe to what the viewer receives).
 */
export { DROP, isActive, type FrameStage, type PacketClock, type PacketStage } from './stage.js';
export { PacketLossStage } from './packet-loss.js';
export { NetworkJitterStage } from './network-jitter.js';
export { BandwidthLimitStage } from './bandwidth-limit.js';
export { FrameDropStage } from './frame-drop.js';
export { BitrateReduceStage } from './bitrate-reduce.js';
export { TimelineReplayStage } from './timeline-replay.js';
export { MahimahiLinkStage } from './mahimahi-link.js';
export { ParticipantChaos, createParticipantChaos, activeSpikesAt } from './participant-chaos.js';
export { DownlinkChaos } from './downlink-chaos.js';
