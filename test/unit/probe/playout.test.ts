import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Playout, PLAYOUT_MODEL, VIEWER_FIELDS, type PlayoutOptions, type ViewerReport } from '../../../src/probe/index.js';
import { audioStream, VIDEO_FRAME_MS, videoStream, type FrameKind, type StreamPacket } from './media-stream.js';

/** One arrival: the packet, when it arrived (run ms), whether it answers our NACK. */
interface Arrival {
  packet: StreamPacket;
  atMs: number;
  nacked?: boolean;
}

interface Harness {
  playout: Playout;
  /** Delivers the arrivals in time order, ticking `advance` every 5 ms in between (the probe's feedback tick), then ticks until `untilMs`. */
  run(arrivals: Arrival[], untilMs: number): void;
  /** The model's report over `windows` windows (finish() not called unless asked). */
  report(windows?: number, finishAtMs?: number): ViewerReport['totals'] & { windows: ViewerReport['windows'] };
  /** Times of the keyframeNeeded flag's changes. */
  keyframeNeededLog: [number, boolean][];
  /** onPacket's return per ext. */
  inTime: Map<number, boolean>;
}

const TICK_MS = 5;

function harness(options: Partial<PlayoutOptions> = {}, inputs: { jitterMs?: (atMs: number) => number; recoveryRoundTripMs?: number; retryIntervalMs?: number } = {}): Harness {
  const playout = new Playout({ media: 'video', clockRateHz: 90_000, fixedDelayMs: null, nack: false, windowMs: 1000, expectedWindows: 16, ...options });
  const keyframeNeededLog: [number, boolean][] = [];
  const inTime = new Map<number, boolean>();
  let last = false;
  let tickMs = 0;
  const note = (atMs: number): void => {
    if (playout.keyframeNeeded !== last) keyframeNeededLog.push([atMs, (last = playout.keyframeNeeded)]);
  };
  const tickUntil = (ms: number): void => {
    for (; tickMs <= ms; tickMs += TICK_MS) {
      playout.advance(tickMs);
      note(tickMs);
    }
  };
  return {
    playout,
    keyframeNeededLog,
    inTime,
    run(arrivals, untilMs) {
      for (const a of [...arrivals].sort((x, y) => x.atMs - y.atMs)) {
        tickUntil(a.atMs - 1e-9);
        playout.arrivalMs = a.atMs;
        playout.jitterMs = inputs.jitterMs?.(a.atMs) ?? 0;
        playout.recoveryRoundTripMs = inputs.recoveryRoundTripMs ?? 0;
        playout.retryIntervalMs = inputs.retryIntervalMs ?? 20;
        inTime.set(a.packet.ext, playout.onPacket(a.packet.ext, a.packet.timestamp | 0, a.packet.marker, a.packet.flags, a.nacked ?? false));
        note(a.atMs);
      }
      tickUntil(untilMs);
    },
    report(windows = 16, finishAtMs) {
      if (finishAtMs !== undefined) playout.finish(finishAtMs);
      const r = playout.report(windows);
      return { ...r.totals, windows: r.windows };
    },
  };
}

/** Arrivals over a path with a constant delay; packets of a frame 0.2 ms apart (the sender's burst). */
function onTime(packets: StreamPacket[], delayMs = 40, extra: (p: StreamPacket) => number = () => 0): Arrival[] {
  let previousFrame = -1;
  let inFrame = 0;
  return packets.map((packet) => {
    inFrame = packet.frame === previousFrame ? inFrame + 1 : 0;
    previousFrame = packet.frame;
    return { packet, atMs: packet.sentMs + delayMs + inFrame * 0.2 + extra(packet) };
  });
}

const pOnly = (f: number): FrameKind => (f % 60 === 0 ? 'idr' : 'p');
const withB = (f: number): FrameKind => (f % 60 === 0 ? 'idr' : 'b');

describe('Playout: video on a clean path', () => {
  it('renders every frame, misses no packet, freezes never; each packet waits about the target delay', () => {
    const h = harness();
    const packets = videoStream({ frames: 300, packetsPerFrame: 3 });
    h.run(onTime(packets), 11_000);
    const r = h.report(11, 11_000);
    expect(r).toMatchObject({ framesRendered: 300, framesDropped: 0, packetsSettled: 900, packetsMissingAtPlayout: 0, packetsLate: 0, freezes: 0, pauses: 0, keyframesReceived: 5 });
    expect(h.playout.keyframeNeeded).toBe(false);
    expect(h.playout.pending).toBe(false);
    // Target 2 x 0 jitter + 20 ms; a frame's later packets arrived 0.2/0.4 ms after the first.
    expect(r.playoutDelayMsSum / r.playoutDelaySamples).toBeCloseTo(PLAYOUT_MODEL.BASE_DELAY_MS - 0.2, 6);
    // 10 s of frames: 30 per window, counted where they were rendered.
    expect(r.windows.framesRendered.slice(1, 10)).toEqual(new Array(9).fill(30));
  });

  it('a frame is played when its marker completes it, not before', () => {
    const h = harness();
    const [a, b, c] = videoStream({ frames: 1, packetsPerFrame: 3 });
    h.run([{ packet: a, atMs: 40 }, { packet: b, atMs: 40.2 }], 45);
    expect(h.report().framesRendered).toBe(0);
    expect(h.playout.pending).toBe(true);
    expect(h.playout.nextDeadlineMs()).toBe(60); // its render target (no NACK wait)
    h.run([{ packet: c, atMs: 50 }], 50);
    expect(h.report()).toMatchObject({ framesRendered: 1, packetsSettled: 3 });
    expect(h.playout.pending).toBe(false);
    expect(h.playout.nextDeadlineMs()).toBe(Infinity);
  });
});

describe('Playout: loss, NACK and the reference chain', () => {
  it('a packet recovered by a retransmission before the deadline: the frame renders, counted recovered, nothing missing', () => {
    const h = harness({ nack: true });
    const packets = videoStream({ frames: 90, packetsPerFrame: 3 });
    const lost = packets.find((p) => p.frame === 10 && !p.marker && p.flags !== 0 && p.ext % 3 === 1)!;
    const arrivals = onTime(packets.filter((p) => p !== lost));
    arrivals.push({ packet: lost, atMs: lost.sentMs + 40 + 120, nacked: true }); // within the 200 ms NACK wait
    h.run(arrivals, 4000);
    const r = h.report(4);
    expect(r).toMatchObject({ framesRendered: 90, framesDropped: 0, packetsRecovered: 1, packetsMissingAtPlayout: 0, packetsLate: 0, packetsSettled: 270 });
    expect(h.inTime.get(lost.ext)).toBe(true);
    expect(h.keyframeNeededLog).toEqual([]);
  });

  it('a packet recovered after the deadline counts late and missing, breaks the chain (keyframeNeeded), frames stay undecodable until the next IDR, then render again', () => {
    const h = harness({ nack: true });
    const packets = videoStream({ frames: 150, packetsPerFrame: 3, kindOf: pOnly });
    const lost = packets.find((p) => p.frame === 10 && p.ext % 3 === 1)!;
    const arrivals = onTime(packets.filter((p) => p !== lost));
    // Render target = sent + 40 (anchor) + 20 (target); deadline 200 ms later (NACK wait).
    arrivals.push({ packet: lost, atMs: lost.sentMs + 40 + 20 + PLAYOUT_MODEL.MIN_NACK_WAIT_MS + 50, nacked: true });
    h.run(arrivals, 6000);
    const r = h.report(6);
    expect(h.inTime.get(lost.ext)).toBe(false);
    expect(r).toMatchObject({ packetsLate: 1, packetsMissingAtPlayout: 1, packetsRecovered: 0 });
    // Frame 10 was given up, 11..59 could not be decoded, the IDR at 60 restarted the chain.
    expect(r.framesDropped).toBe(50);
    expect(r.framesRendered).toBe(100);
    const needed = h.keyframeNeededLog;
    expect(needed.map(([, v]) => v)).toEqual([true, false]);
    const frame10Deadline = 10 * VIDEO_FRAME_MS + 40 + 20 + PLAYOUT_MODEL.MIN_NACK_WAIT_MS;
    expect(needed[0][0]).toBeGreaterThanOrEqual(frame10Deadline);
    expect(needed[0][0]).toBeLessThan(frame10Deadline + TICK_MS + 1);
    expect(needed[1][0]).toBeCloseTo(60 * VIDEO_FRAME_MS + 40.4, 6); // when the IDR's last packet arrived
    // One freeze: from frame 9's render to frame 60's (W3C: over max(3 x, + 150 ms) the average interval).
    expect(r.freezes).toBe(1);
    expect(r.freezeMs).toBeGreaterThan(50 * VIDEO_FRAME_MS);
    expect(r.freezeMs).toBeLessThan(52 * VIDEO_FRAME_MS);
  });

  it('without NACK a lost packet is given up at the render target (no wait) and counted missing', () => {
    const h = harness({ nack: false });
    const packets = videoStream({ frames: 70, packetsPerFrame: 3 });
    const lost = packets.find((p) => p.frame === 5 && p.ext % 3 === 0)!;
    h.run(onTime(packets.filter((p) => p !== lost)), 3000);
    const r = h.report(3);
    expect(r).toMatchObject({ packetsMissingAtPlayout: 1, packetsLate: 0, framesDropped: 55, framesRendered: 15 });
  });

  it('losing a non-reference frame (nal_ref_idc 0) drops that frame only: the chain holds', () => {
    const h = harness();
    const packets = videoStream({ frames: 60, packetsPerFrame: 3, kindOf: withB });
    const lost = packets.find((p) => p.frame === 20 && p.ext % 3 === 1)!;
    h.run(onTime(packets.filter((p) => p !== lost)), 3000);
    const r = h.report(3);
    expect(r).toMatchObject({ framesDropped: 1, framesRendered: 59, packetsMissingAtPlayout: 1, freezes: 0 });
    expect(h.keyframeNeededLog).toEqual([]);
  });

  it('a frame whose start cannot be proven (the packet before it is missing) is not decoded, even an IDR', () => {
    // Frame 59 loses its last packet (the marker): nothing tells where frame 60 (an IDR) starts.
    const h = harness();
    const packets = videoStream({ frames: 130, packetsPerFrame: 3, kindOf: pOnly });
    const lost = packets.find((p) => p.frame === 59 && p.marker)!;
    h.run(onTime(packets.filter((p) => p !== lost)), 5000);
    const r = h.report(5);
    // 59 given up, 60 (IDR) not decodable, 61..119 broken chain; 120 (IDR) decodes.
    expect(r.framesDropped).toBe(61);
    expect(r.framesRendered).toBe(69);
    // The same loss at the first packet of frame 59 leaves frame 60's start proven by 59's marker.
    const h2 = harness();
    const lost2 = packets[59 * 3];
    expect([lost2.frame, lost2.marker]).toEqual([59, false]);
    h2.run(onTime(packets.filter((p) => p !== lost2)), 5000);
    expect(h2.report(5)).toMatchObject({ framesDropped: 1, framesRendered: 129 });
  });

  it('a loss burst that takes whole frames: each is counted dropped, and the chain breaks as soon as the first packet after it shows the lost frames were due', () => {
    const h = harness();
    const packets = videoStream({ frames: 150, packetsPerFrame: 2, kindOf: pOnly });
    // Frames 20..29 lost whole (a 333 ms outage).
    h.run(onTime(packets.filter((p) => p.frame < 20 || p.frame >= 30)), 6000);
    const r = h.report(6);
    // 20..29 lost, 30..59 undecodable (broken chain), the IDR at 60 restarts it.
    expect(r).toMatchObject({ framesDropped: 40, framesRendered: 110, packetsMissingAtPlayout: 20 });
    // Frame 20 was due at 20 x 33.3 + 60 ms, long before frame 30's first packet arrived: the gap is
    // given up on that arrival, not at frame 30's own deadline 20 ms later.
    expect(h.keyframeNeededLog[0]).toEqual([30 * VIDEO_FRAME_MS + 40, true]);
  });

  it('a stream joined mid-stream (first frame not an IDR) is undecodable until its first IDR and asks for one', () => {
    const h = harness();
    const packets = videoStream({ frames: 90, packetsPerFrame: 2, kindOf: (f) => (f === 45 ? 'idr' : 'p') });
    h.run(onTime(packets), 4000);
    const r = h.report(4);
    expect(r).toMatchObject({ framesDropped: 45, framesRendered: 45, packetsMissingAtPlayout: 0 });
    expect(h.keyframeNeededLog.map(([, v]) => v)).toEqual([true, false]);
  });
});

describe('Playout: freezes and pauses (W3C webrtc-stats freezeCount / pauseCount)', () => {
  it('a 1 s gap in the stream (the sender skipped 30 frames) is exactly one freeze of about the gap', () => {
    const h = harness();
    const packets = videoStream({ frames: 300, packetsPerFrame: 3, kindOf: withB, skipFrame: (f) => f >= 100 && f < 130 });
    h.run(onTime(packets), 11_000);
    const r = h.report(11);
    expect(r).toMatchObject({ freezes: 1, pauses: 0, framesDropped: 0, framesRendered: 270, packetsMissingAtPlayout: 0 });
    // Frame 99 to frame 130: 31 frame intervals.
    expect(r.freezeMs).toBeCloseTo(31 * VIDEO_FRAME_MS, 6);
  });

  it('a gap over 5 s is a pause, not a freeze', () => {
    const h = harness();
    const packets = videoStream({ frames: 400, packetsPerFrame: 2, kindOf: withB, skipFrame: (f) => f >= 100 && f < 280 });
    h.run(onTime(packets), 15_000);
    const r = h.report(15);
    expect(r).toMatchObject({ freezes: 0, pauses: 1 });
    expect(r.pauseMs).toBeCloseTo(181 * VIDEO_FRAME_MS, 6);
  });

  it('short stalls below the threshold are no freeze (max(3 x average, average + 150 ms))', () => {
    const h = harness();
    // Skipping 4 frames: 5 intervals = 167 ms < 33 + 150.
    const packets = videoStream({ frames: 120, packetsPerFrame: 2, kindOf: withB, skipFrame: (f) => f >= 50 && f < 54 });
    h.run(onTime(packets), 5000);
    expect(h.report(5).freezes).toBe(0);
    // 5 skipped: 6 intervals = 200 ms >= 183 ms.
    const h2 = harness();
    h2.run(onTime(videoStream({ frames: 120, packetsPerFrame: 2, kindOf: withB, skipFrame: (f) => f >= 50 && f < 55 })), 5000);
    expect(h2.report(5).freezes).toBe(1);
  });

  it('finish(): a rendering gap open at the end counts only while packets kept arriving (an undecodable stream), not when the sender stopped', () => {
    // The sender stops after frame 99: no freeze, however late the run ends.
    const stopped = harness();
    stopped.run(onTime(videoStream({ frames: 100, packetsPerFrame: 2, kindOf: pOnly })), 5000);
    expect(stopped.report(10, 10_000)).toMatchObject({ freezes: 0, pauses: 0 });
    // Frame 70's packet is lost and no IDR follows before the end: packets keep coming, nothing renders.
    const broken = harness();
    const packets = videoStream({ frames: 100, packetsPerFrame: 2, kindOf: (f) => (f === 0 ? 'idr' : 'p') });
    const lost = packets.find((p) => p.frame === 70 && p.marker)!;
    broken.run(onTime(packets.filter((p) => p !== lost)), 5000);
    const r = broken.report(10, 10_000);
    expect(r.freezes).toBe(1);
    // From frame 69's render to the last arrival (frame 99), not to the run's end.
    const frame69RenderMs = 69 * VIDEO_FRAME_MS + 60;
    const lastArrivalMs = 99 * VIDEO_FRAME_MS + 40.2;
    expect(r.freezeMs).toBeCloseTo(lastArrivalMs - frame69RenderMs, 6);
    // Over 5 s undecodable while packets keep arriving: still one freeze (a browser marks a stream
    // paused only when no packet arrived for 5 s).
    const long = harness();
    const many = videoStream({ frames: 300, packetsPerFrame: 1, kindOf: (f) => (f === 0 ? 'idr' : 'p') });
    long.run(onTime(many.filter((p) => p.frame !== 20)), 12_000);
    expect(long.report(12, 12_000)).toMatchObject({ freezes: 1, pauses: 0 });
    // finish() is idempotent.
    expect(long.report(12, 12_000)).toMatchObject({ freezes: 1, pauses: 0 });
  });
});

describe('Playout: the jitter buffer', () => {
  it('the adaptive target follows the jitter: 2 x jitter + 20 ms (+ the NACK round trip for audio when NACK is on; video adds none)', () => {
    const h = harness();
    h.playout.jitterMs = 15;
    expect(h.playout.targetDelayMs()).toBe(50);
    const video = harness({ nack: true });
    video.playout.jitterMs = 15;
    video.playout.recoveryRoundTripMs = 30;
    expect(video.playout.targetDelayMs()).toBe(50);
    const n = harness({ media: 'audio', clockRateHz: 48_000, nack: true });
    n.playout.jitterMs = 15;
    n.playout.recoveryRoundTripMs = 30;
    expect(n.playout.targetDelayMs()).toBe(80);
    n.playout.jitterMs = 5000;
    expect(n.playout.targetDelayMs()).toBe(PLAYOUT_MODEL.MAX_DELAY_MS);
    // Fed through the stream: packets wait longer when the jitter is higher.
    const waitWith = (jitterMs: number): number => {
      const x = harness({}, { jitterMs: () => jitterMs });
      x.run(onTime(videoStream({ frames: 60, packetsPerFrame: 1 })), 3000);
      const r = x.report(3);
      return r.playoutDelayMsSum / r.playoutDelaySamples;
    };
    expect(waitWith(0)).toBeCloseTo(20, 6);
    expect(waitWith(10)).toBeCloseTo(40, 6);
    expect(waitWith(30)).toBeCloseTo(80, 6);
  });

  it('a fixed jitter buffer delays by its fixed amount whatever the jitter', () => {
    const h = harness({ fixedDelayMs: 150 }, { jitterMs: () => 40 });
    h.playout.jitterMs = 40;
    expect(h.playout.targetDelayMs()).toBe(150);
    h.run(onTime(videoStream({ frames: 60, packetsPerFrame: 1 })), 3000);
    const r = h.report(3);
    expect(r.playoutDelayMsSum / r.playoutDelaySamples).toBeCloseTo(150, 6);
    expect(r.framesRendered).toBe(60);
  });

  it('the anchor absorbs a lasting delay step: only the first few frames after it are late, then none', () => {
    const h = harness({}, { jitterMs: () => 0 });
    const packets = videoStream({ frames: 300, packetsPerFrame: 2, kindOf: withB });
    // +100 ms from frame 100 on (a route change).
    h.run(onTime(packets, 40, (p) => (p.frame >= 100 ? 100 : 0)), 11_000);
    const r = h.report(11);
    // Late frames are given up (their packets counted late); 'b' frames break no chain, so every
    // frame not late renders. (7/8)^k x 100 ms > 20 ms for k <= 11: about ten frames.
    const lateFrames = r.packetsLate / 2;
    expect(r.framesDropped).toBe(lateFrames);
    expect(lateFrames).toBeGreaterThanOrEqual(8);
    expect(lateFrames).toBeLessThanOrEqual(12);
    expect(r.framesRendered).toBe(300 - lateFrames);
    // All of them right after the step: the second half of the stream renders every frame.
    expect(r.windows.framesDropped.slice(5)).toEqual(new Array(6).fill(0));
    // With NACK on, the NACK wait (200 ms) covers the step: nothing late.
    const n = harness({ nack: true }, { jitterMs: () => 0 });
    n.run(onTime(packets, 40, (p) => (p.frame >= 100 ? 100 : 0)), 11_000);
    expect(n.report(11)).toMatchObject({ framesDropped: 0, packetsLate: 0, framesRendered: 300 });
  });

  it('a faster path lowers the anchor at once (a packet earlier than the anchor just waits longer)', () => {
    const h = harness();
    const packets = videoStream({ frames: 120, packetsPerFrame: 1, kindOf: withB });
    // 20 ms faster from frame 60 on (less than a frame interval: no frame overtakes another).
    h.run(onTime(packets, 100, (p) => (p.frame >= 60 ? -20 : 0)), 5000);
    expect(h.report(5)).toMatchObject({ framesRendered: 120, framesDropped: 0, packetsLate: 0, freezes: 0 });
  });
});

describe('Playout: audio', () => {
  it('a missing packet is concealed at its own playout time (residual loss), not earlier, not later', () => {
    // Jitter 10 ms: target 40 ms, so packet 51 (arriving 20 ms after 50 was due) comes before 50's playout time.
    const h = harness({ media: 'audio', clockRateHz: 48_000 }, { jitterMs: () => 10 });
    const packets = audioStream({ packets: 200 });
    const lost = packets[50];
    const arrivals = onTime(packets.filter((p) => p !== lost));
    const playoutOf50 = 50 * 20 + 40 + 40; // sent + anchor transit + target
    h.run(arrivals.filter((a) => a.packet.frame <= 51), playoutOf50 - 1);
    expect(h.playout.isSettled(lost.ext - 1)).toBe(true);
    expect(h.playout.isSettled(lost.ext)).toBe(false); // the gap is known, its time has not come
    expect(h.playout.nextDeadlineMs()).toBe(playoutOf50);
    h.run([], playoutOf50);
    expect(h.playout.isSettled(lost.ext)).toBe(true);
    h.run(arrivals.filter((a) => a.packet.frame > 51), 6000);
    const r = h.report(6);
    expect(r).toMatchObject({ packetsSettled: 200, packetsMissingAtPlayout: 1, packetsLate: 0, framesRendered: 0, framesDropped: 0 });
    expect(r.windows.packetsMissingAtPlayout[1]).toBe(1); // played out at 1.08 s
  });

  it('a packet that comes after its playout time counts late (and missing), never as played', () => {
    const h = harness({ media: 'audio', clockRateHz: 48_000 });
    const packets = audioStream({ packets: 100 });
    h.run(onTime(packets, 40, (p) => (p.frame === 30 ? 100 : 0)), 3000);
    const r = h.report(3);
    expect(h.inTime.get(packets[30].ext)).toBe(false);
    expect(r).toMatchObject({ packetsSettled: 100, packetsMissingAtPlayout: 1, packetsLate: 1 });
    // The late packet is counted in the window it arrived in.
    expect(r.windows.packetsLate).toEqual([1, 0, 0]);
  });

  it('a reordered packet within the target is played in order, nothing missing', () => {
    const h = harness({ media: 'audio', clockRateHz: 48_000 });
    const packets = audioStream({ packets: 100 });
    h.run(onTime(packets, 40, (p) => (p.frame === 30 ? 15 : 0)), 3000);
    expect(h.report(3)).toMatchObject({ packetsSettled: 100, packetsMissingAtPlayout: 0, packetsLate: 0 });
  });
});

describe('Playout: bounds and bookkeeping', () => {
  it('more packets pending than the ring holds: the oldest frames are given up, nothing throws, the counts stay whole', () => {
    const h = harness({ nack: true, capacity: 64 });
    // 20 packets per frame; frame 5 misses one, and while it waits for the NACK (200 ms, 6 frames)
    // 120 more packets arrive: the ring of 64 forces it out.
    const packets = videoStream({ frames: 130, packetsPerFrame: 20, kindOf: pOnly });
    const lost = packets[5 * 20 + 3];
    expect(() => h.run(onTime(packets.filter((p) => p !== lost)), 6000)).not.toThrow();
    const r = h.report(6);
    expect(r.packetsSettled).toBe(130 * 20);
    expect(r.packetsMissingAtPlayout).toBe(1);
    expect(r.framesDropped + r.framesRendered).toBe(130);
    expect(r.framesDropped).toBe(55); // 5..59: given up, then a broken chain until the IDR at 60
    expect(h.playout.pending).toBe(false);
  });

  it('rejects a capacity that is not a power of two', () => {
    expect(() => new Playout({ media: 'video', clockRateHz: 90_000, fixedDelayMs: null, nack: false, windowMs: 1000, expectedWindows: 4, capacity: 1000 })).toThrow(/power of two/);
  });

  it('duplicates (also of packets already played) change nothing; counts land in the window of their playout time', () => {
    const h = harness();
    const packets = videoStream({ frames: 60, packetsPerFrame: 2 });
    const arrivals = onTime(packets);
    h.run([...arrivals, ...arrivals.slice(10, 20).map((a) => ({ ...a, atMs: a.atMs + 1 }))], 3000);
    const r = h.report(3);
    expect(r).toMatchObject({ framesRendered: 60, packetsSettled: 120, packetsLate: 0 });
    // Frame k renders at k x 33.3 + 60 ms: frames 0..28 in window 0, 29..58 in window 1, 59 in window 2.
    expect(r.windows.framesRendered).toEqual([29, 30, 1]);
    expect(r.windows.packetsSettled).toEqual([58, 60, 2]);
  });

  it('a freeze is counted in the window it began and its duration spread over the windows it spans', () => {
    const h = harness();
    // Frames 52..86 skipped: frame 51 renders at 1760 ms, frame 87 at 2960 ms.
    const packets = videoStream({ frames: 120, packetsPerFrame: 1, kindOf: withB, skipFrame: (f) => f >= 52 && f < 87 });
    h.run(onTime(packets), 5000);
    const r = h.report(5);
    const from = 51 * VIDEO_FRAME_MS + 60;
    const to = 87 * VIDEO_FRAME_MS + 60;
    expect(r.windows.freezes).toEqual([0, 1, 0, 0, 0]);
    expect(r.windows.freezeMs[1]).toBeCloseTo(2000 - from, 6);
    expect(r.windows.freezeMs[2]).toBeCloseTo(to - 2000, 6);
    expect(r.freezeMs).toBeCloseTo(to - from, 6);
  });

  it('report(): counts after the run\'s last window fold into it; counted session figures land in their windows', () => {
    const h = harness();
    h.playout.count(VIEWER_FIELDS.nacksSent, 500);
    h.playout.count(VIEWER_FIELDS.nacksSent, 2500, 2);
    h.playout.count(VIEWER_FIELDS.nacksSent, 7200);
    const r = h.report(3);
    expect(r.windows.nacksSent).toEqual([1, 0, 3]);
    expect(r.nacksSent).toBe(4);
  });
});

describe('Playout: property', () => {
  it('whatever the network does (loss, delay, reordering, duplicates, late retransmissions), nothing throws and the counts stay consistent', () => {
    const scenario = fc.record({
      frames: fc.integer({ min: 1, max: 80 }),
      perFrame: fc.integer({ min: 1, max: 5 }),
      nack: fc.boolean(),
      audio: fc.boolean(),
      capacity: fc.constantFrom(16, 64, 2048),
      fate: fc.array(fc.record({ lost: fc.boolean(), delayMs: fc.integer({ min: 0, max: 400 }), duplicate: fc.boolean(), retransmitAfterMs: fc.option(fc.integer({ min: 5, max: 600 })) }), { minLength: 400, maxLength: 400 }),
      kinds: fc.array(fc.constantFrom<FrameKind>('idr', 'p', 'b'), { minLength: 80, maxLength: 80 }),
      jitterMs: fc.integer({ min: 0, max: 50 }),
    });
    fc.assert(
      fc.property(scenario, (s) => {
        const packets = s.audio ? audioStream({ packets: s.frames * s.perFrame }) : videoStream({ frames: s.frames, packetsPerFrame: s.perFrame, kindOf: (f) => s.kinds[f] });
        const h = harness(s.audio ? { media: 'audio', clockRateHz: 48_000, nack: s.nack, capacity: s.capacity } : { nack: s.nack, capacity: s.capacity }, { jitterMs: () => s.jitterMs });
        const arrivals: Arrival[] = [];
        const delivered = new Set<number>();
        packets.forEach((packet, i) => {
          const f = s.fate[i % s.fate.length];
          const atMs = packet.sentMs + 20 + f.delayMs;
          if (!f.lost) {
            arrivals.push({ packet, atMs });
            delivered.add(packet.ext);
            if (f.duplicate) arrivals.push({ packet, atMs: atMs + 1 });
          }
          if (f.retransmitAfterMs !== null) {
            arrivals.push({ packet, atMs: atMs + f.retransmitAfterMs, nacked: true });
            delivered.add(packet.ext);
          }
        });
        if (arrivals.length === 0) return;
        expect(() => h.run(arrivals, packets.at(-1)!.sentMs + 5000)).not.toThrow();
        const r = h.report(16, packets.at(-1)!.sentMs + 6000);
        const first = [...arrivals].sort((a, b) => a.atMs - b.atMs)[0].packet.ext;
        const highest = Math.max(...arrivals.map((a) => a.packet.ext));
        expect(h.playout.pending).toBe(false);
        expect(r.packetsSettled).toBe(highest - first + 1);
        let neverArrived = 0;
        for (let e = first; e <= highest; e++) if (!delivered.has(e)) neverArrived++;
        expect(r.packetsMissingAtPlayout).toBeGreaterThanOrEqual(neverArrived);
        expect(r.packetsMissingAtPlayout).toBeLessThanOrEqual(r.packetsSettled);
        expect(r.packetsRecovered).toBeLessThanOrEqual(arrivals.filter((a) => a.nacked).length);
        expect(r.packetsLate).toBeLessThanOrEqual(arrivals.length);
        expect(r.packetsRecovered + r.packetsMissingAtPlayout).toBeLessThanOrEqual(r.packetsSettled);
        if (!s.audio) expect(r.framesRendered + r.framesDropped).toBeLessThanOrEqual(s.frames);
        else expect(r.framesRendered + r.framesDropped).toBe(0);
        for (const key of ['freezeMs', 'pauseMs', 'playoutDelayMsSum'] as const) expect(r[key]).toBeGreaterThanOrEqual(0);
        for (const [name, column] of Object.entries(r.windows)) expect(column.reduce((a, b) => a + b, 0), name).toBeCloseTo(r[name as keyof typeof r] as number, 6);
      }),
      { numRuns: 300, seed: 3550 },
    );
  });
});
