export { runAgent, type AgentOptions } from './agent.js';
export { encodeLine, lineReader, type AgentCommand, type AgentEvent } from './agent-protocol.js';
export { systemClock, type Clock } from './clock.js';
export { BatchedEngineIo, maxPacketBytesFor } from './batched-engine-io.js';
export { DelayLine } from './delay-line.js';
export { immediateIo, type EngineIo, type EngineIoPath } from './engine-io.js';
export { emptyEngineStats, type EngineStats, type WebRtcMediaPaths } from './engine-stats.js';
export { LatenessHistogram, LATENESS_BUCKET_MS } from './lateness.js';
export { PartitionEngine, type EngineOptions } from './partition-engine.js';
export { resolvePartitionId } from './partition-identity.js';
export { PeriodicSchedule } from './periodic-schedule.js';
export type { ParticipantTransport } from './transport.js';
export { UdpTransport } from './transport-udp.js';
export { BatchedUdpTransport } from './transport-batched.js';
// WebRTC participants (werift) live in src/webrtc/, imported on demand: UDP engines never load it.
