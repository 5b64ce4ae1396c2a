/** A change of the layer a stream carried (received, or rendered by the viewer model). */
export interface LayerChange {
  atMs: number;
  layer: number;
}


/**
 * What a viewer experienced, per stream and window: the probe's receiver session (NACK, PLI,
 * reports) and its playout model (jitter buffer, decoding, rendering). Named after the W3C WebRTC
 * `inbound-rtp` statistics where one exists (nackCount, pliCount, freezeCount,
 * totalFreezesDuration, retransmittedPacketsReceived), so avcm's figures can be held next to a
 * browser's getStats().
 */
export const VIEWER_FIELDS = {
  /** Packets whose playout time passed (received in time or not): the residual-loss denominator. */
  packetsSettled: 0,
  /** Packets still missing at their playout time, after any recovery (residual loss). */
  packetsMissingAtPlayout: 1,
  /** Packets that arrived after their playout time (counted as missing, not as recovered). */
  packetsLate: 2,
  /** Packets that were missing (NACKed) and arrived in time. */
  packetsRecovered: 3,
  /** Retransmissions received: RTX packets, or NACKed sequence numbers arriving again (W3C retransmittedPacketsReceived). */
  retransmittedPackets: 4,
  /** NACK messages sent (W3C nackCount) and the sequence numbers they asked for. */
  nacksSent: 5,
  packetsNacked: 6,
  /** PLIs sent (W3C pliCount). */
  plisSent: 7,
  /** Keyframes that started arriving (first packet of an IDR frame). */
  keyframesReceived: 8,
  /** Sum and count of keyframe response times: first PLI of a request to the first packet of the next keyframe, ms. */
  keyframeResponseMsSum: 9,
  keyframeResponses: 10,
  /** Video frames decoded and rendered (complete by their deadline, intact reference chain). */
  framesRendered: 11,
  /** Video frames that could not be decoded (incomplete at their deadline, or a broken chain). */
  framesDropped: 12,
  /** Freezes (W3C definition) and their total duration, ms. */
  freezes: 13,
  freezeMs: 14,
  /** Sum and count of the time packets waited in the jitter buffer before playout, ms (part of the E-model's delay). */
  playoutDelayMsSum: 15,
  playoutDelaySamples: 16,
  /** Sum and count of NACK round trips (NACK sent to the retransmission's arrival), ms. */
  nackRoundTripMsSum: 17,
  nackRoundTrips: 18,
  /** Pauses (W3C: over 5 s since the last rendered frame; not freezes) and their total duration, ms. */
  pauses: 19,
  pauseMs: 20,
} as const;
export const VIEWER_FIELD_COUNT = 21;
export type ViewerField = keyof typeof VIEWER_FIELDS;

/** A stream's viewer figures in the probe report: totals and dense per-window columns. */
export interface ViewerReport {
  totals: Record<ViewerField, number>;
  windows: Record<ViewerField, number[]>;
  /**
   * The layer of the frames the viewer rendered, each time it changed (the first entry is the
   * first rendered frame's layer): when a switch reached the picture. Absent when the stream
   * carried no layer information.
   */
  layerChanges?: LayerChange[];
}
