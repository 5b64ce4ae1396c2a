import { describe, expect, it } from 'vitest';
import { KEYFRAME_REQUESTS, KeyframeRequester } from '../../../src/session/index.js';

const { UNTIL_FIRST_KEYFRAME_MS, REPEAT_MS, RECEIVING_MS } = KEYFRAME_REQUESTS;

describe('KeyframeRequester (when the receiver sends PLI, RFC 4585 6.3.1, paced like a browser)', () => {
  it('asks at once when a keyframe is needed, then every 200 ms until the stream has had one', () => {
    const k = new KeyframeRequester();
    expect(k.shouldSend(false, 0)).toBe(false);
    expect(k.shouldSend(true, 10)).toBe(true);
    expect(k.shouldSend(true, 10 + UNTIL_FIRST_KEYFRAME_MS - 1)).toBe(false);
    expect(k.shouldSend(true, 10 + UNTIL_FIRST_KEYFRAME_MS)).toBe(true);
    expect(UNTIL_FIRST_KEYFRAME_MS).toBe(200);
  });

  it('once the stream had a keyframe, a new episode asks at once and repeats every 3 s', () => {
    const k = new KeyframeRequester();
    k.onKeyframe(0);
    expect(k.shouldSend(true, 1000)).toBe(true);
    expect(k.shouldSend(true, 1000 + UNTIL_FIRST_KEYFRAME_MS)).toBe(false);
    expect(k.shouldSend(true, 1000 + REPEAT_MS - 1)).toBe(false);
    expect(k.shouldSend(true, 1000 + REPEAT_MS)).toBe(true);
    expect(REPEAT_MS).toBe(3000);
    // The answer closes the episode: the next one asks at once again.
    expect(k.onKeyframe(4100)).toBe(3100);
    expect(k.shouldSend(true, 4100 + RECEIVING_MS)).toBe(true);
  });

  it('never asks while a keyframe is arriving (a keyframe packet within the last 200 ms)', () => {
    const k = new KeyframeRequester();
    k.onKeyframe(1000);
    expect(k.shouldSend(true, 1000 + RECEIVING_MS - 1)).toBe(false);
    expect(k.shouldSend(true, 1000 + RECEIVING_MS)).toBe(true);
  });

  it('measures the response from the first request of an episode (not the repeats) to the keyframe', () => {
    const k = new KeyframeRequester();
    k.shouldSend(true, 1000);
    k.shouldSend(true, 1200);
    k.shouldSend(true, 1400);
    expect(k.onKeyframe(1450)).toBe(450);
    // The episode is closed: the next keyframe answers nothing.
    expect(k.onKeyframe(3450)).toBe(null);
    k.shouldSend(true, 5000);
    expect(k.onKeyframe(5030)).toBe(30);
  });

  it('a keyframe with no request open (a periodic one) is no response; a keyframe arriving with the request is 0, never negative', () => {
    const k = new KeyframeRequester();
    expect(k.onKeyframe(10)).toBe(null);
    k.shouldSend(true, 300);
    expect(k.onKeyframe(299)).toBe(0);
  });
});
