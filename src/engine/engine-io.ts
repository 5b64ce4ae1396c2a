/**
 * Which I/O an engine's participants use: avcm's batched UDP layer, node:dgram, werift's WebRTC
 * stack (`webrtc`: werift's sockets and SRTP), or WebRTC with the media on the batched layer
 * (`webrtc-batched`: werift's ICE and DTLS, avcm's native SRTP).
 */
export type EngineIoPath = 'batched' | 'dgram' | 'webrtc' | 'webrtc-batched';

/**
 * The I/O layer under an engine's transports. Batched transports only queue packets; the engine
 * hands the queue to the kernel with `flush`: once at the end of every tick (after its frames,
 * sender reports and delay-line releases, so a participant's frame burst leaves in one system
 * call) and after handling RTCP feedback (retransmissions). Unbatched layers send at once and
 * flush nothing.
 */
export interface EngineIo {
  readonly path: EngineIoPath;
  /** Sends every queued packet (one native call); a no-op when nothing is queued. */
  flush(): void;
  /** Sends refused because a socket's send buffer was full (EAGAIN/ENOBUFS); each dropped the rest of its run. */
  readonly wouldBlock: number;
  /** Packets handed to the layer that never left: full send buffers, send errors, closed sockets. */
  readonly sendDropped: number;
}

/** An I/O layer whose transports send at once (node:dgram, WebRTC): nothing to flush, nothing it drops itself. */
export function immediateIo(path: 'dgram' | 'webrtc'): EngineIo {
  return { path, flush: () => undefined, wouldBlock: 0, sendDropped: 0 };
}
