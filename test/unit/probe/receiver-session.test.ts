import { describe, expect, it } from 'vitest';
import { ReceiverSession, StreamStats, type FeedbackSink, type ReceiverOptions } from '../../../src/probe/index.js';
import { createParsedRtp, parseRtp } from '../../../src/rtp/index.js';
import { NACK_MODEL } from '../../../src/session/index.js';
import { audioStream, videoStream, wireBytes, type StreamPacket } from './media-stream.js';
import { EXT } from './packets.js';

const SSRC = 0x0abc_def0;
const FULL: ReceiverOptions = { nack: true, pli: true, jitterBuffer: { fixedDelayMs: null } };

/**
 * One receiver session fed wire packets (parsed as the probe parses them) at fake times, its
 * timed work run every 5 ms like the probe's feedback tick, its NACKs and PLIs recorded.
 */
function receiver(options: ReceiverOptions = FULL, media: 'video' | 'audio' = 'video') {
  const stats = new StreamStats({ ssrc: SSRC, media, payloadType: media === 'video' ? 96 : 111, participantId: 1001, windowMs: 1000, runStartEpochMs: 0, expectedWindows: 16 });
  const session = new ReceiverSession(stats, options, 16);
  const nacks: { atMs: number; seqs: number[] }[] = [];
  const plis: number[] = [];
  const sink: FeedbackSink = {
    sendNack: (_s, seqs, count, nowMs) => void nacks.push({ atMs: nowMs, seqs: Array.from(seqs.subarray(0, count)) }),
    sendPli: (_s, nowMs) => void plis.push(nowMs),
  };
  const parsed = createParsedRtp();
  let tickMs = 0;
  const tickUntil = (ms: number): void => {
    for (; tickMs <= ms; tickMs += 5) session.service(tickMs, sink);
  };
  /** One packet arriving at `atMs` (ticks run up to then first); returns onMedia's answer. */
  const deliver = (p: StreamPacket, atMs: number): boolean => {
    tickUntil(atMs - 1e-9);
    const buf = wireBytes(p, { pt: media === 'video' ? 96 : 111, ssrc: SSRC });
    expect(parseRtp(buf, buf.length, EXT, parsed)).toBe(true);
    session.arrivalMs = atMs;
    return session.onMedia(buf, parsed, buf.length, Math.floor(atMs / 1000));
  };
  /** Packets still to arrive, in time order; `runUntil` delivers them between the ticks. */
  const pending: { p: StreamPacket; atMs: number }[] = [];
  const schedule = (p: StreamPacket, atMs: number): void => {
    let i = pending.length;
    while (i > 0 && pending[i - 1].atMs > atMs) i--;
    pending.splice(i, 0, { p, atMs });
  };
  const runUntil = (ms: number): void => {
    while (pending.length > 0 && pending[0].atMs <= ms) {
      const { p, atMs } = pending.shift()!;
      deliver(p, atMs);
    }
    tickUntil(ms);
  };
  const wire = () => stats.report().totals;
  const viewer = (windows = 8) => session.viewerReport(windows, windows * 1000)!.totals;
  return { session, stats, nacks, plis, deliver, tickUntil, schedule, runUntil, wire, viewer };
}

/** Arrival 40 ms after sending, packets of a frame 0.2 ms apart. */
const arrival = (p: StreamPacket): number => p.sentMs + 40 + p.indexInFrame * 0.2;

describe('ReceiverSession: NACK, retransmissions and the wire statistics', () => {
  it('NACKs a missing packet after the reordering wait and again at the retry interval, until it comes', () => {
    const r = receiver();
    const packets = videoStream({ frames: 30, packetsPerFrame: 3 });
    const lost = packets[31];
    for (const p of packets.slice(0, 40)) if (p !== lost) r.deliver(p, arrival(p));
    const gapSeenMs = arrival(packets[32]);
    expect(r.nacks[0].seqs).toEqual([lost.ext & 0xffff]);
    expect(r.nacks[0].atMs).toBeGreaterThanOrEqual(gapSeenMs + NACK_MODEL.REORDER_WAIT_MS);
    expect(r.nacks[0].atMs).toBeLessThan(gapSeenMs + NACK_MODEL.REORDER_WAIT_MS + 5);
    expect(r.nacks[1].atMs - r.nacks[0].atMs).toBe(NACK_MODEL.MIN_RETRY_MS);
  });

  it('a non-RTX retransmission (the NACKed number arriving again) never changes the wire loss: not the first copy, not a second, not one from far behind', () => {
    const r = receiver();
    const packets = videoStream({ frames: 150, packetsPerFrame: 3 });
    const lost = packets[31];
    for (const p of packets) if (p !== lost) r.schedule(p, arrival(p));
    // The sender answers the first two NACKs, each 25 ms later (the second crossed the first answer).
    let answered = 0;
    for (let ms = 0; ms <= 7000; ms += 5) {
      r.runUntil(ms);
      while (answered < Math.min(2, r.nacks.length)) r.schedule(lost, r.nacks[answered++].atMs + 25);
      // A third copy, long after (over 100 packets behind the highest: beyond reordering's reach).
      if (ms === 2500) r.schedule(lost, 2500.5);
    }
    expect(answered).toBe(2);
    const wire = r.wire();
    expect(wire).toMatchObject({ received: 449, expected: 450, lost: 1, duplicates: 0, reordered: 0 });
    expect(r.stats.report().windows.reduce((n, w) => n + w.lost, 0)).toBe(1);
    const viewer = r.viewer();
    expect(viewer).toMatchObject({ retransmittedPackets: 3, packetsRecovered: 1, packetsMissingAtPlayout: 0, packetsLate: 0, framesRendered: 150, framesDropped: 0 });
    // The recovery's NACK round trip: from the latest NACK before the first copy to its arrival.
    const firstCopyMs = r.nacks[0].atMs + 25;
    expect(viewer.nackRoundTrips).toBe(1);
    expect(viewer.nackRoundTripMsSum).toBeCloseTo(firstCopyMs - r.nacks.filter((n) => n.atMs < firstCopyMs).at(-1)!.atMs, 6);
    expect(viewer.nacksSent).toBe(r.nacks.length);
    expect(viewer.packetsNacked).toBe(r.nacks.reduce((n, x) => n + x.seqs.length, 0));
  });

  it('a packet merely reordered within the reordering wait is never NACKed and counts on the wire as received (reordered)', () => {
    const r = receiver();
    const packets = videoStream({ frames: 30, packetsPerFrame: 3 });
    const late = packets[31];
    const arrivals = packets.map((p) => ({ p, atMs: p === late ? arrival(packets[32]) + 5 : arrival(p) })).sort((a, b) => a.atMs - b.atMs);
    for (const { p, atMs } of arrivals) r.deliver(p, atMs);
    r.tickUntil(2000);
    expect(r.nacks).toEqual([]);
    expect(r.wire()).toMatchObject({ received: 90, lost: 0, reordered: 1 });
    expect(r.viewer()).toMatchObject({ retransmittedPackets: 0, packetsRecovered: 0, packetsMissingAtPlayout: 0, framesRendered: 30 });
  });

  it('stops NACKing once the packet\'s playout time has passed (the viewer moved on)', () => {
    const r = receiver();
    const packets = videoStream({ frames: 60, packetsPerFrame: 3 });
    const lost = packets[31];
    for (const p of packets) if (p !== lost) r.deliver(p, arrival(p));
    r.tickUntil(5000);
    const lastNackMs = r.nacks.at(-1)!.atMs;
    // Frame 10 waited for its render target + the NACK wait (200 ms: 10 retries x 20 ms).
    expect(lastNackMs).toBeLessThanOrEqual(10 * (1000 / 30) + 40 + 20 + 200);
    expect(r.nacks.length).toBe(NACK_MODEL.MAX_RETRIES);
    expect(r.session.nackList!.pending).toBe(0);
  });
});

describe('ReceiverSession: PLI', () => {
  it('a frame lost for good breaks the chain: PLI at once and every 200 ms until an IDR arrives; its response time is measured', () => {
    const r = receiver({ nack: false, pli: true, jitterBuffer: { fixedDelayMs: null } });
    const packets = videoStream({ frames: 130, packetsPerFrame: 3, kindOf: (f) => (f % 60 === 0 ? 'idr' : 'p') });
    const lost = packets[10 * 3 + 1];
    for (const p of packets) if (p !== lost) r.deliver(p, arrival(p));
    r.tickUntil(5000);
    const frame10GivenUpMs = 10 * (1000 / 30) + 40 + 20;
    expect(r.plis[0]).toBeGreaterThanOrEqual(frame10GivenUpMs);
    expect(r.plis[0]).toBeLessThan(frame10GivenUpMs + 5);
    for (let i = 1; i < r.plis.length; i++) expect(r.plis[i] - r.plis[i - 1]).toBe(200);
    const idrArrivalMs = arrival(packets[60 * 3]);
    expect(r.plis.at(-1)!).toBeLessThan(idrArrivalMs);
    const viewer = r.viewer();
    expect(viewer).toMatchObject({ plisSent: r.plis.length, keyframeResponses: 1, keyframesReceived: 3 });
    expect(viewer.keyframeResponseMsSum).toBeCloseTo(idrArrivalMs - r.plis[0], 6);
    expect(r.nacks).toEqual([]);
  });

  it('a gap larger than the NACK list asks for a keyframe instead of NACKing it', () => {
    const r = receiver();
    const packets = videoStream({ frames: 700, packetsPerFrame: 3 });
    // 1200 packets missing in a row (more than the list's 1000): the list overflows.
    const kept = packets.filter((p, i) => i < 30 || i >= 30 + 1200);
    for (const p of kept) r.deliver(p, arrival(p));
    r.tickUntil(25_000);
    expect(r.nacks).toEqual([]);
    expect(r.plis.length).toBeGreaterThanOrEqual(1);
    expect(r.wire().lost).toBe(1200);
  });

  it('no PLI without the pli option, no NACK without nack; the wire statistics are the same', () => {
    const r = receiver({ nack: false, pli: false, jitterBuffer: { fixedDelayMs: null } });
    const packets = videoStream({ frames: 60, packetsPerFrame: 3 });
    for (const p of packets) if (p !== packets[31]) r.deliver(p, arrival(p));
    r.tickUntil(3000);
    expect([r.nacks, r.plis]).toEqual([[], []]);
    expect(r.session.keyframes).toBe(null);
    expect(r.session.nackList).toBe(null);
    expect(r.wire().lost).toBe(1);
  });

  it('audio: no keyframe requests; without a playout model there is no viewer report', () => {
    const r = receiver({ nack: false, pli: true, jitterBuffer: { fixedDelayMs: null } }, 'audio');
    expect(r.session.keyframes).toBe(null);
    const plain = receiver({ nack: false, pli: false, jitterBuffer: false }, 'audio');
    for (const p of audioStream({ packets: 20 })) plain.deliver(p, p.sentMs + 30);
    expect(plain.session.viewerReport(1, 1000)).toBe(null);
    expect(plain.wire().received).toBe(20);
  });
});

describe('ReceiverSession: busy (whether the probe must keep servicing it)', () => {
  it('busy while frames wait, NACKs are pending or a keyframe is needed; idle once everything is played', () => {
    const r = receiver();
    const packets = videoStream({ frames: 10, packetsPerFrame: 3 });
    expect(r.deliver(packets[0], arrival(packets[0]))).toBe(true); // a frame waits for its other packets
    for (const p of packets.slice(1, 12)) r.deliver(p, arrival(p));
    r.tickUntil(arrival(packets[11]) + 100);
    expect(r.session.busy).toBe(false);
    r.deliver(packets[13], arrival(packets[13])); // 12 missing: NACK pending
    expect(r.session.busy).toBe(true);
  });
});
