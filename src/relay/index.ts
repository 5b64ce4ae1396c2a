export { FrameDecoder, frameHeader, MAX_DATAGRAM_BYTES } from './framing.js';
export { udpToTcp, tcpToUdp, type Relay, type RelayCounters } from './relay.js';
