import { estimateMos } from './mos.js';

/** What the viewer (the playout model) saw, over all streams (`LiveSummary.viewer`). */
export interface LiveViewerSummary {
  /**
   * Packets missing at playout in percent of those due, over the last window the model has
   * settled: one window behind `LiveSummary.windowIndex`, because a missing video packet is given
   * up only at its deadline (up to MAX_NACK_WAIT_MS after its render time). null when nothing was due.
   */
  residualLossPercent: number | null;
  /** Since the run start (W3C nackCount, pliCount, retransmittedPacketsReceived, freezeCount, totalFreezesDuration in ms). */
  nacksSent: number;
  plisSent: number;
  retransmissionsReceived: number;
  freezes: number;
  freezeMs: number;
}

/** All streams over the last complete window (`ProbeReceiver.live()`). */
export interface LiveSummary {
  streams: number;
  packetsReceived: number;
  lossPercent: number;
  jitterMs: number;
  delayMs: number | null;
  mos: number | null;
  /** The last complete window the figures cover; -1 before the first one completed. */
  windowIndex: number;
  /** What the viewer saw; null without the playout model (`probe.jitter_buffer: false`). */
  viewer: LiveViewerSummary | null;
}

/** One stream's row of the live table over the last complete window (`ProbeReceiver.liveStreams()`). */
export interface LiveStreamRow {
  participantId: number | null;
  ssrc: number;
  /** The simulcast layer's RID, when the stream's packets carry one. */
  rid: string | null;
  media: 'video' | 'audio';
  received: number;
  lossPercent: number;
  jitterMs: number;
  delayMs: number | null;
  kbps: number;
  fps: number;
  mos: number | null;
}

/** `LiveViewerSummary` before the residual loss becomes a percent: the packets due and missing at playout. */
export interface LiveViewerParts extends Omit<LiveViewerSummary, 'residualLossPercent'> {
  /** Packets due at playout in the last settled window, and those of them missing. */
  due: number;
  missing: number;
}

/**
 * One probe's sums over its streams for the last complete window (`ProbeReceiver.liveParts`):
 * sums, never averages, so the parts of several probes (the shards of one) add up exactly.
 */
export interface LiveParts {
  /** The last complete window; -1 before the first one. */
  windowIndex: number;
  /** Streams seen since the start and datagrams accounted since the start. */
  streams: number;
  packetsReceived: number;
  /** Over the window: packets received and expected, the streams' jitter (ms) summed, their mean delays (ms) summed and counted, streams counted. */
  received: number;
  expected: number;
  jitterSum: number;
  delaySum: number;
  delayCount: number;
  counted: number;
  /** null without the playout model. */
  viewer: LiveViewerParts | null;
}

/**
 * The live summary of one probe or several (the shards of one probe), from their parts: counts
 * summed, jitter and delay averaged over all streams, loss and MOS from the sums. Parts of
 * different windows (a shard that has not posted the latest yet) count under the newest index.
 */
export function liveSummary(parts: readonly LiveParts[]): LiveSummary {
  let streams = 0;
  let packetsReceived = 0;
  let received = 0;
  let expected = 0;
  let jitterSum = 0;
  let delaySum = 0;
  let delayCount = 0;
  let counted = 0;
  let windowIndex = -1;
  let viewer: LiveViewerParts | null = null;
  for (const part of parts) {
    streams += part.streams;
    packetsReceived += part.packetsReceived;
    received += part.received;
    expected += part.expected;
    jitterSum += part.jitterSum;
    delaySum += part.delaySum;
    delayCount += part.delayCount;
    counted += part.counted;
    if (part.counted > 0) windowIndex = Math.max(windowIndex, part.windowIndex);
    if (part.viewer !== null) viewer = viewer === null ? { ...part.viewer } : addViewerParts(viewer, part.viewer);
  }
  const lossPercent = expected > 0 ? (100 * Math.max(0, expected - received)) / expected : 0;
  const jitterMs = counted > 0 ? jitterSum / counted : 0;
  const delayMs = delayCount > 0 ? delaySum / delayCount : null;
  const viewerSummary: LiveViewerSummary | null =
    viewer === null
      ? null
      : {
          residualLossPercent: viewer.due > 0 ? (100 * viewer.missing) / viewer.due : null,
          nacksSent: viewer.nacksSent,
          plisSent: viewer.plisSent,
          retransmissionsReceived: viewer.retransmissionsReceived,
          freezes: viewer.freezes,
          freezeMs: viewer.freezeMs,
        };
  // What a listener hears: the loss left at playout when the viewer model runs (its latest settled window), else the wire's.
  const heardLossPercent = viewerSummary?.residualLossPercent ?? lossPercent;
  return {
    streams,
    packetsReceived,
    lossPercent,
    jitterMs,
    delayMs,
    mos: counted > 0 ? estimateMos({ oneWayDelayMs: delayMs ?? 0, jitterMs, lossPercent: heardLossPercent }) : null,
    windowIndex,
    viewer: viewerSummary,
  };
}

function addViewerParts(into: LiveViewerParts, more: LiveViewerParts): LiveViewerParts {
  into.due += more.due;
  into.missing += more.missing;
  into.nacksSent += more.nacksSent;
  into.plisSent += more.plisSent;
  into.retransmissionsReceived += more.retransmissionsReceived;
  into.freezes += more.freezes;
  into.freezeMs += more.freezeMs;
  return into;
}

/** The live table's order: by participant (streams without one last), then media. Sorts in place. */
export function sortStreamRows(rows: LiveStreamRow[]): LiveStreamRow[] {
  return rows.sort((a, b) => (a.participantId ?? Infinity) - (b.participantId ?? Infinity) || a.media.localeCompare(b.media));
}
