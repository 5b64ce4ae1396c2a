import type { ProbeHealthWindow } from '../health/index.js';
import type { LayerChange, ViewerReport } from './viewer-stats.js';

/**
 * What the probe measured, the only input of the verdict besides the plan's spike windows.
 * Everything here comes from packets that arrived; nothing is copied from injected settings.
 * Mergeable: window counters add up across probes, so reports of several probes can be combined.
 */

export type MediaKind = 'video' | 'audio';

/** One stream's counters over one window (1 s by default). */
export interface WindowStats {
  /** Window index: floor((arrival - runStart) / windowMs). */
  index: number;
  /** Packets that arrived in the window (duplicates excluded). */
  received: number;
  /** Packets expected from the extended sequence numbers that advanced in the window (RFC 3550 A.3). */
  expected: number;
  /** expected - received, clamped at 0 per window. */
  lost: number;
  duplicates: number;
  /** Packets that arrived with a sequence number lower than the highest seen (late, not lost). */
  reordered: number;
  /** RTP payload + header bytes received. */
  bytes: number;
  /** RFC 3550 6.4.1 interarrival jitter at the end of the window, ms. */
  jitterMs: number;
  /** One-way delay from the abs-send-time extension: mean and max over the window's packets, ms; null if none carried it. */
  delayMsAvg: number | null;
  delayMsMax: number | null;
  /** Frames completed in the window (RTP marker bit / timestamp change). */
  frames: number;
}

export interface StreamReport {
  ssrc: number;
  /** From the participant-id header extension; null when the packets carried none. */
  participantId: number | null;
  /** The simulcast layer this stream is, from the RID header extension (RFC 8852); absent when the packets carried none. */
  rid?: string;
  /** The viewer (a scenario's `viewers`) that received this stream; absent when the probe plays no named viewers. */
  viewerName?: string;
  /**
   * Which simulcast layer the stream carried (0 = the lowest), from the packets' RID or the
   * resolution in keyframes' SPS: per layer and window the frames completed and bytes received,
   * and each change of the layer received (the first packet of a frame on the new layer; the first
   * entry is the first layer seen). Absent when the stream carried no layer information.
   */
  layers?: StreamLayers;
  media: MediaKind;
  payloadType: number;
  firstSeenMs: number;
  lastSeenMs: number;
  totals: {
    received: number;
    expected: number;
    lost: number;
    duplicates: number;
    reordered: number;
    bytes: number;
    jitterMs: number;
    frames: number;
  };
  /** Dense by index from 0 to the last window the stream was seen in (empty windows are zero). */
  windows: WindowStats[];
  /** What a viewer saw (residual loss, NACKs, PLIs, freezes, ...) per window; null without the playout model. */
  viewer: ViewerReport | null;
  /**
   * Spans of at least 200 ms (SILENCE_MIN_MS) between two packets of the stream, run-relative ms,
   * in time order (the longest 64 when there were more): the raw data of `outage_seconds`. Absent
   * in reports of probes from before it was measured.
   */
  silences?: { startMs: number; endMs: number }[];
}

/** A stream's layer figures (`StreamReport.layers`). */
export interface StreamLayers {
  /** frames[layer][window], bytes[layer][window]: dense from window 0, as long as the stream's windows. */
  frames: number[][];
  bytes: number[][];
  /** Run-relative ms and the new layer, in time order (at most 256; later changes are counted in `moreChanges`). */
  changes: LayerChange[];
  moreChanges: number;
}

export interface ProbeReport {
  /** Epoch ms of window 0 (the run start). */
  runStartEpochMs: number;
  windowMs: number;
  /** Number of windows covered (ceil(duration / windowMs)). */
  windowCount: number;
  streams: StreamReport[];
  /** Datagrams that were not RTP v2 or were truncated. */
  malformedPackets: number;
  /** RTP packets whose payload type is neither the video nor the audio PT. */
  foreignPackets: number;
  /** Kernel receive-buffer drops seen during the run, when known (Linux /proc/net/snmp delta, every UDP socket of the machine). */
  kernelRcvbufErrors: number | null;
  /**
   * Datagrams the kernel dropped at the probe's own socket(s) because the receive buffer was full
   * (SO_RXQ_OVFL, summed over sockets); null where unknown (node:dgram, probes older than the batched layer).
   */
  kernelDrops?: number | null;
  /** How the probe received: `batched` (recvmmsg, kernel timestamps) or `dgram`; null when fed by its owner (WebRTC). */
  io?: 'batched' | 'dgram' | null;
  /** The probe's RTCP: compounds sent (RR, NACK, PLI) and received (SR), malformed ones, RTX it could not place; null when it sent none. */
  feedback?: { rtcpSent: number; rtcpReceived: number; rtcpMalformed: number; unmatchedRetransmissions: number } | null;
  /**
   * The probe's own health per window since the run start (receive lag, event-loop delay, CPU,
   * kernel drops); empty in fake time, absent in reports of probes from before it was measured.
   */
  health?: ProbeHealthWindow[];
}
