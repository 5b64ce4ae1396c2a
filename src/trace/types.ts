/**
 * Recorded network conditions a `trace` spike replays. Times are ms from the trace's start; a
 * trace repeats with period `periodMs` when the spike outlasts it. Plain JSON (it travels in the
 * plan to every engine process, container and pod).
 */

/**
 * A timeline: rows at `tMs` (ascending, the first at 0), each holding until the next row (the last
 * one until `periodMs`). A null cell means "not impaired" in that row (no loss, no added delay or
 * jitter, no bandwidth limit).
 */
export interface TimelineTrace {
  kind: 'timeline';
  periodMs: number;
  tMs: number[];
  /** Packets lost, percent 0..100 (each packet independently). */
  lossPercent: (number | null)[];
  /** One-way delay added to each packet, ms. */
  delayMs: (number | null)[];
  /** Standard deviation of the per-packet gaussian delay variation around delayMs, ms. */
  jitterMs: (number | null)[];
  /** Bottleneck rate over all of a participant's packets, kbit/s. */
  bandwidthKbps: (number | null)[];
}

/**
 * A Mahimahi packet-delivery trace: each entry is a millisecond at which the link can deliver one
 * MTU (1500 bytes); repeated entries are several packets in that millisecond. The trace repeats
 * every `periodMs` (its last timestamp), as Mahimahi's link shell replays it.
 */
export interface MahimahiTrace {
  kind: 'mahimahi';
  periodMs: number;
  /** Delivery opportunities, ms, ascending, each in (0, periodMs]. */
  deliveryMs: number[];
}

/** What a `trace` spike replays. */
export type NetworkTrace = TimelineTrace | MahimahiTrace;

/** Bytes one Mahimahi delivery opportunity carries. */
export const MAHIMAHI_MTU_BYTES = 1500;

/** The most rows (timeline) or delivery opportunities (Mahimahi) a trace may hold: it travels in the plan. */
export const MAX_TRACE_POINTS = 200_000;
