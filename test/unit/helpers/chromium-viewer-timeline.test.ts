import { describe, expect, it } from 'vitest';
import { longestDecodeStallMs, perWindow, type InboundVideoFigures, type ViewerSample } from '../../helpers/chromium-viewer/index.js';

// The Chromium viewer's timeline arithmetic, on readings made up here (the e2e test drives the real browser).

function video(framesDecoded: number, more: Partial<InboundVideoFigures> = {}): InboundVideoFigures {
  return {
    framesDecoded, framesReceived: framesDecoded, framesDropped: 0, keyFramesDecoded: 0, freezeCount: 0, totalFreezesDuration: 0, pauseCount: 0,
    totalPausesDuration: 0, nackCount: 0, pliCount: 0, firCount: 0, packetsLost: 0, packetsReceived: framesDecoded * 5, jitter: 0.002,
    jitterBufferDelay: 0, jitterBufferEmittedCount: 0, ...more,
  };
}

/** One reading per second; `decoded[i]` cumulative frames at second i (null: no inbound video yet). */
function timeline(decoded: (number | null)[]): ViewerSample[] {
  return decoded.map((frames, i) => ({
    atMs: i * 1000,
    epochMs: 1_700_000_000_000 + i * 1000,
    connectionState: 'connected',
    video: frames === null ? null : video(frames),
    audio: null,
    element: { currentTimeS: i, totalVideoFrames: frames ?? 0, droppedVideoFrames: 0, paused: false },
  }));
}

describe('perWindow', () => {
  it('turns cumulative readings into per-second increases, the first from zero when the stream appears', () => {
    const samples = timeline([null, 10, 40, 70]);
    samples[3].video = video(70, { freezeCount: 1, totalFreezesDuration: 0.5, jitter: 0.009 });
    const windows = perWindow(samples);
    expect(windows.map((w) => w.video?.framesDecoded ?? null)).toEqual([10, 30, 30]);
    expect(windows[2].video).toMatchObject({ freezeCount: 1, totalFreezesDuration: 0.5, jitter: 0.009, packetsReceived: 150 });
    expect(windows.map((w) => [w.fromMs, w.toMs])).toEqual([[0, 1000], [1000, 2000], [2000, 3000]]);
    expect(windows[0].fromEpochMs).toBe(1_700_000_000_000);
  });

  it('has no windows for fewer than two readings', () => {
    expect(perWindow(timeline([5]))).toEqual([]);
  });
});

describe('longestDecodeStallMs', () => {
  it('is the longest run of windows without a decoded frame between decoded frames', () => {
    expect(longestDecodeStallMs(timeline([0, 30, 60, 60, 60, 60, 90, 90, 120]))).toBe(3000);
  });

  it('ignores the wait for the first frame and the silence after the last one', () => {
    expect(longestDecodeStallMs(timeline([null, 0, 0, 30, 60, 90, 90, 90, 90]))).toBe(0);
  });
});
