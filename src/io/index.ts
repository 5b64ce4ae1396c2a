export { loadBatchedUdp, type BatchedUdpLoad } from './load-batched-udp.js';
export { BatchedUdp } from './batched-udp.js';
export { BatchedUdpSocket, type UdpSocketOptions, type UdpSocketCounters, type UdpEndpoint, type GsoState } from './batched-udp-socket.js';
export { SendBatch, type SendBatchOptions, type FlushFigures } from './send-batch.js';
export { ReceiveBatch, DATAGRAM_KIND, type ReceiveBatchOptions } from './receive-batch.js';
export { SrtpSession, SRTP_PROFILES, SRTP_ERRORS, srtpErrorName, type SrtpKeys, type SrtpCounters, type SrtpProfileName } from './srtp-session.js';
export { UdpDestination } from './udp-destination.js';
export { ioRequest, chooseIo, ioFallbackNotice, type IoPath, type IoRequest, type IoChoice } from './io-choice.js';
export { resolveEndpoint } from './resolve-endpoint.js';
