import { describe, expect, it } from 'vitest';
import { KeyframeResponder, SenderStats } from '../../../src/session/index.js';

function responder() {
  const stats = new SenderStats(1, 'video', 0x1234, null, 4);
  return { stats, keyframe: new KeyframeResponder(stats), totals: () => stats.report().totals };
}

describe('KeyframeResponder (PLI RFC 4585 6.3.1, FIR RFC 5104 4.3.1)', () => {
  it('RFC 4585 6.3.1: PLIs that arrive while one is pending are one request; its response time runs from the first', () => {
    const r = responder();
    expect(r.keyframe.pending).toBe(false);
    r.keyframe.onPli(100);
    r.keyframe.onPli(150);
    r.keyframe.onPli(180);
    expect(r.keyframe.pending).toBe(true);
    r.keyframe.answered(233);
    expect(r.keyframe.pending).toBe(false);
    expect(r.totals()).toMatchObject({ plisReceived: 3, keyframesSent: 1, keyframeResponseMsSum: 133 });
  });

  it('answered() without a pending request counts nothing (a periodic keyframe is no answer)', () => {
    const r = responder();
    r.keyframe.answered(50);
    expect(r.totals()).toMatchObject({ keyframesSent: 0, keyframeResponseMsSum: 0 });
    r.keyframe.onPli(60);
    r.keyframe.answered(70);
    r.keyframe.answered(80);
    expect(r.totals()).toMatchObject({ keyframesSent: 1, keyframeResponseMsSum: 10 });
  });

  it('RFC 5104 4.3.1.2: a FIR repeating the last sequence number of its sender is not a new request; a new number is', () => {
    const r = responder();
    r.keyframe.onFir(0xaaaa_0001, 7, 100);
    r.keyframe.answered(120);
    r.keyframe.onFir(0xaaaa_0001, 7, 200); // a repeat (the FIR was retransmitted): already answered
    expect(r.keyframe.pending).toBe(false);
    r.keyframe.onFir(0xaaaa_0001, 8, 300);
    expect(r.keyframe.pending).toBe(true);
    r.keyframe.answered(340);
    expect(r.totals()).toMatchObject({ firsReceived: 2, keyframesSent: 2, keyframeResponseMsSum: 20 + 40 });
  });

  it('RFC 5104 4.3.1.2: FIR sequence numbers are per sender; another sender with the same number is a new request', () => {
    const r = responder();
    r.keyframe.onFir(0x0000_0001, 3, 100);
    r.keyframe.answered(110);
    r.keyframe.onFir(0x0000_0002, 3, 200);
    expect(r.keyframe.pending).toBe(true);
    expect(r.totals().firsReceived).toBe(2);
  });

  it('PLI and FIR pending together are one request; counts land in the window of their arrival', () => {
    const r = responder();
    r.keyframe.onPli(900);
    r.keyframe.onFir(5, 1, 1500);
    r.keyframe.answered(2100);
    const w = r.stats.report(3).windows;
    expect(w.plisReceived).toEqual([1, 0, 0]);
    expect(w.firsReceived).toEqual([0, 1, 0]);
    expect(w.keyframesSent).toEqual([0, 0, 1]);
    expect(w.keyframeResponseMsSum).toEqual([0, 0, 1200]);
  });
});
