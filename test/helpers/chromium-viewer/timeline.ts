import type { InboundAudioFigures, InboundVideoFigures, ViewerSample } from './figures.js';

/** Video counters that accumulate (a window holds their increase); jitter is a gauge. */
const VIDEO_COUNTERS = [
  'framesDecoded',
  'framesReceived',
  'framesDropped',
  'keyFramesDecoded',
  'freezeCount',
  'totalFreezesDuration',
  'pauseCount',
  'totalPausesDuration',
  'nackCount',
  'pliCount',
  'firCount',
  'packetsLost',
  'packetsReceived',
  'retransmittedPacketsReceived',
  'jitterBufferDelay',
  'jitterBufferEmittedCount',
] as const satisfies readonly (keyof InboundVideoFigures)[];

const AUDIO_COUNTERS = ['packetsLost', 'packetsReceived', 'concealedSamples', 'totalSamplesReceived'] as const satisfies readonly (keyof InboundAudioFigures)[];

/** What happened to the inbound video between two readings (counters as increases, W3C units). */
export type VideoWindow = Record<(typeof VIDEO_COUNTERS)[number], number> & { jitter: number };
/** What happened to the inbound audio between two readings. */
export type AudioWindow = Record<(typeof AUDIO_COUNTERS)[number], number> & { jitter: number };

/** One window of a viewer's timeline: the span between two consecutive readings. */
export interface ViewerWindow {
  /** Start and end, ms since the viewer connected. */
  fromMs: number;
  toMs: number;
  /** Start, Unix ms (to line the window up with a run's own windows). */
  fromEpochMs: number;
  /** Null while Chromium had no inbound video at either end of the window. */
  video: VideoWindow | null;
  audio: AudioWindow | null;
}

function increases<K extends string>(names: readonly K[], from: Partial<Record<K, number>> | null, to: Partial<Record<K, number>>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const name of names) out[name] = (to[name] ?? 0) - (from?.[name] ?? 0);
  return out;
}

/**
 * Turns cumulative readings into per-window increases (one window per pair of consecutive
 * readings; with the default sampling, one per second). Call after the viewer closed, or at any
 * time on the readings so far. The first window counts from zero when the stream appeared in it.
 */
export function perWindow(timeline: readonly ViewerSample[]): ViewerWindow[] {
  const windows: ViewerWindow[] = [];
  for (let i = 1; i < timeline.length; i++) {
    const from = timeline[i - 1];
    const to = timeline[i];
    windows.push({
      fromMs: from.atMs,
      toMs: to.atMs,
      fromEpochMs: from.epochMs,
      video: to.video ? { ...increases(VIDEO_COUNTERS, from.video, to.video), jitter: to.video.jitter } : null,
      audio: to.audio ? { ...increases(AUDIO_COUNTERS, from.audio, to.audio), jitter: to.audio.jitter } : null,
    });
  }
  return windows;
}

/**
 * The longest run of consecutive windows in which no video frame was decoded, ms (their summed
 * lengths: a lower bound of the stall, at the sampling period's resolution). Only stalls that ended
 * count: the wait for the first keyframe and the silence after the publisher left are not stalls,
 * and a counted stall proves decoding resumed. 0 when frames were decoded in every window.
 */
export function longestDecodeStallMs(timeline: readonly ViewerSample[]): number {
  let longest = 0;
  let stalled = 0;
  let decodedBefore = false;
  for (const window of perWindow(timeline)) {
    if ((window.video?.framesDecoded ?? 0) > 0) {
      if (decodedBefore) longest = Math.max(longest, stalled);
      decodedBefore = true;
      stalled = 0;
    } else if (decodedBefore) {
      stalled += window.toMs - window.fromMs;
    }
  }
  return longest;
}
