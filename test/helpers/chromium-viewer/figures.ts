/**
 * What a Chromium viewer reports, named exactly as the W3C WebRTC statistics name them
 * (`RTCInboundRtpStreamStats`), so avcm's own viewer-side figures can be held next to them. Units
 * are the W3C ones: durations, jitter and buffer delays in SECONDS, everything else a count.
 */

/** Cumulative counters and gauges of the subscription's inbound video (`inbound-rtp`, kind video). */
export const VIDEO_FIGURES = [
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
  'jitter',
  'jitterBufferDelay',
  'jitterBufferEmittedCount',
] as const;

/** Video figures a Chromium build may leave out (older builds, or before the first frame). */
export const OPTIONAL_VIDEO_FIGURES = ['retransmittedPacketsReceived', 'framesPerSecond', 'frameWidth', 'frameHeight'] as const;

/** Cumulative counters and gauges of the subscription's inbound audio (`inbound-rtp`, kind audio). */
export const AUDIO_FIGURES = ['packetsLost', 'packetsReceived', 'concealedSamples', 'totalSamplesReceived', 'jitter'] as const;

/** Audio figures a Chromium build may leave out. */
export const OPTIONAL_AUDIO_FIGURES = ['concealmentEvents'] as const;

/** Inbound video as Chromium's getStats() reports it (seconds for durations, jitter, buffer delay). */
export type InboundVideoFigures = Record<(typeof VIDEO_FIGURES)[number], number> & Partial<Record<(typeof OPTIONAL_VIDEO_FIGURES)[number], number>>;

/** Inbound audio as Chromium's getStats() reports it (jitter in seconds). */
export type InboundAudioFigures = Record<(typeof AUDIO_FIGURES)[number], number> & Partial<Record<(typeof OPTIONAL_AUDIO_FIGURES)[number], number>>;

/** What the page's <video> element shows: the render side as the media element sees it. */
export interface VideoElementFigures {
  /** Media time played, seconds. */
  currentTimeS: number;
  /** `getVideoPlaybackQuality().totalVideoFrames`: frames the element presented or dropped. */
  totalVideoFrames: number;
  /** `getVideoPlaybackQuality().droppedVideoFrames`. */
  droppedVideoFrames: number;
  paused: boolean;
}

/** One reading of the viewer's getStats(). Counters are cumulative since the subscription began. */
export interface ViewerSample {
  /** Milliseconds since the viewer's peer connection connected (monotonic clock). */
  atMs: number;
  /** Wall clock of the reading, Unix ms: aligns the reading with a run's own timestamps. */
  epochMs: number;
  /** `RTCPeerConnection.connectionState` at the reading. */
  connectionState: string;
  /** Null until Chromium has an inbound video stream for the subscription. */
  video: InboundVideoFigures | null;
  /** Null until Chromium has an inbound audio stream for the subscription. */
  audio: InboundAudioFigures | null;
  element: VideoElementFigures;
}

/** What the page returns for one reading; the Node side adds the clocks. */
export type PageSample = Omit<ViewerSample, 'atMs' | 'epochMs'>;
