import { describe, expect, it } from 'vitest';
import { KEYFRAME_REQUEST_INTERVAL_MS, KeyframeRequester } from '../../../src/session/index.js';

describe('KeyframeRequester (when the receiver sends PLI, RFC 4585 6.3.1)', () => {
  it('sends only while a keyframe is needed, at most once per interval', () => {
    const k = new KeyframeRequester(200);
    expect(k.shouldSend(false, 0)).toBe(false);
    expect(k.shouldSend(true, 10)).toBe(true);
    expect(k.nextDueMs()).toBe(210);
    expect(k.shouldSend(true, 100)).toBe(false);
    expect(k.shouldSend(true, 209)).toBe(false);
    expect(k.shouldSend(true, 210)).toBe(true);
    expect(k.shouldSend(false, 1000)).toBe(false);
    expect(k.shouldSend(true, 1000)).toBe(true);
    expect(KEYFRAME_REQUEST_INTERVAL_MS).toBe(200);
  });

  it('measures the response from the first request of an episode (not the repeats) to the keyframe', () => {
    const k = new KeyframeRequester(200);
    k.shouldSend(true, 1000);
    k.shouldSend(true, 1200);
    k.shouldSend(true, 1400);
    expect(k.onKeyframe(1450)).toBe(450);
    // The episode is closed: the next keyframe answers nothing.
    expect(k.onKeyframe(3450)).toBe(null);
    // A new episode starts at its own first request.
    k.shouldSend(true, 5000);
    expect(k.onKeyframe(5030)).toBe(30);
  });

  it('a keyframe with no request open (a periodic one) is no response; a keyframe arriving with the request is 0, never negative', () => {
    const k = new KeyframeRequester();
    expect(k.onKeyframe(10)).toBe(null);
    k.shouldSend(true, 100);
    expect(k.onKeyframe(99)).toBe(0);
  });
});
