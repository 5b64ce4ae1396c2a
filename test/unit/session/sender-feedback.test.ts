import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/plan/rng.js';
import {
  emptyReportBlock,
  nackBytes,
  nackEntryCount,
  ntpFraction,
  ntpSeconds,
  RtcpReader,
  sdesCnameBytes,
  writeFir,
  writeNack,
  writePli,
  writeReceiverReport,
  writeRemb,
  writeSdesCname,
} from '../../../src/rtcp/index.js';
import { absSendTimeFromMs, RtpHeaderWriter } from '../../../src/rtp/index.js';
import { ReceptionReport, SenderFeedback, SenderSession, type SenderFeedbackOptions } from '../../../src/session/index.js';

const EPOCH = 1_700_000_000_000;
const EXTENSIONS = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2 };
const PROBE_SSRC = 0x0bad_cafe;
const OPTIONS: SenderFeedbackOptions = { nack: true, pli: true, reportIntervalMs: 1000, historyMs: 1000 };

interface Leaving {
  kind: 'rtp' | 'rtcp';
  slot: number;
  seq: number;
  nowMs: number;
}

/**
 * An engine's feedback side as the engine wires it: per participant slot a video and an audio
 * session, one SenderFeedback routing RTCP and sending SRs, outputs recorded.
 */
function engine(participants: number, options = OPTIONS, seed = 7) {
  const leaving: Leaving[] = [];
  const reports: { slot: number; ssrc: number; nowMs: number; bytes: Buffer }[] = [];
  const feedback = new SenderFeedback(
    (slot, buffer, length, nowMs) => {
      const bytes = Buffer.from(buffer.subarray(0, length));
      reports.push({ slot, ssrc: bytes.readUInt32BE(4), nowMs, bytes });
    },
    options.reportIntervalMs,
    createRng(seed),
  );
  const streams: { session: SenderSession; writer: RtpHeaderWriter; slot: number }[] = [];
  for (let slot = 0; slot < participants; slot++) {
    for (const media of ['video', 'audio'] as const) {
      const ssrc = 0x1000_0000 * (slot + 1) + (media === 'video' ? 1 : 2);
      const writer = new RtpHeaderWriter({ payloadType: media === 'video' ? 96 : 111, ssrc, participantId: 1001 + slot, extensions: EXTENSIONS });
      const session = new SenderSession({
        participantId: 1001 + slot,
        participantSlot: slot,
        media,
        ssrc,
        rtx: null,
        cname: `avcm-${1001 + slot}`,
        clockRateHz: media === 'video' ? 90_000 : 48_000,
        tsStart: 1000,
        startOffsetMs: 0,
        packetsPerSecond: media === 'video' ? 300 : 50,
        resendHeader: new RtpHeaderWriter({ payloadType: media === 'video' ? 96 : 111, ssrc, participantId: 1001 + slot, extensions: EXTENSIONS }),
        expectedWindows: 8,
        options,
        output: (header, _length, _payload, nowMs) => leaving.push({ kind: 'rtp', slot, seq: header.readUInt16BE(2), nowMs }),
      });
      feedback.add(session, 0);
      streams.push({ session, writer, slot });
    }
  }
  const stream = (slot: number, media: 'video' | 'audio') => streams.find((s) => s.slot === slot && s.session.media === media)!;
  /** Sends `count` packets of a stream from sequence number 0. */
  const sendPackets = (slot: number, media: 'video' | 'audio', count: number): void => {
    const { session, writer } = stream(slot, media);
    for (let seq = 0; seq < count; seq++) {
      writer.stamp(seq, seq * 3000, false, absSendTimeFromMs(EPOCH));
      session.recordSent(seq, seq * 3000, false, Buffer.alloc(100));
    }
  };
  return { feedback, streams, stream, sendPackets, leaving, reports };
}

/** A compound as a receiver sends it: an empty RR + SDES, then the feedback packets `extra` writes. */
function compound(extra: (buf: Buffer, at: number) => number): { buf: Buffer; length: number } {
  const buf = Buffer.alloc(1500);
  let at = writeReceiverReport(buf, 0, PROBE_SSRC, [], 0);
  at = writeSdesCname(buf, at, PROBE_SSRC, Buffer.from('probe'));
  return { buf, length: extra(buf, at) };
}

const nackOf = (mediaSsrc: number, seqs: number[]) => (buf: Buffer, at: number) => writeNack(buf, at, PROBE_SSRC, mediaSsrc, seqs, seqs.length);

describe('SenderFeedback + SenderSession: routing', () => {
  it('routes a NACK to the stream of its media SSRC on the participant it arrived for; counts the message once and each number', () => {
    const e = engine(2);
    e.sendPackets(1, 'video', 50);
    const video1 = e.stream(1, 'video').session;
    const { buf, length } = compound(nackOf(video1.ssrc, [3, 4, 30]));
    e.feedback.handleRtcp(1, buf, length, 1000, EPOCH + 1000);
    expect(e.leaving.map((p) => [p.slot, p.seq])).toEqual([[1, 3], [1, 4], [1, 30]]);
    expect(video1.stats.report().totals).toMatchObject({ nacksReceived: 1, packetsNacked: 3, retransmissionsSent: 3 });
    expect(e.feedback.unknownSsrc).toBe(0);
    expect(e.feedback.malformed).toBe(0);
  });

  it('feedback about another participant\'s stream (arriving on the wrong 5-tuple) or an unknown SSRC is counted and not acted on', () => {
    const e = engine(2);
    e.sendPackets(1, 'video', 50);
    const video1 = e.stream(1, 'video').session;
    // Slot 0 hears a NACK, a PLI and an RR block about slot 1's video, and a PLI for nobody.
    const { buf, length } = compound((b, at) => {
      at = writeNack(b, at, PROBE_SSRC, video1.ssrc, [3], 1);
      at = writePli(b, at, PROBE_SSRC, video1.ssrc);
      return writePli(b, at, PROBE_SSRC, 0x7777_7777);
    });
    e.feedback.handleRtcp(0, buf, length, 1000, EPOCH + 1000);
    expect(e.leaving).toEqual([]);
    expect(video1.keyframe!.pending).toBe(false);
    expect(video1.stats.report().totals).toMatchObject({ nacksReceived: 0, packetsNacked: 0, plisReceived: 0 });
    expect(e.feedback.unknownSsrc).toBe(3);
    // The same on its own slot is acted on.
    e.feedback.handleRtcp(1, buf, length, 1000, EPOCH + 1000);
    expect(e.leaving.map((p) => p.seq)).toEqual([3]);
    expect(video1.keyframe!.pending).toBe(true);
  });

  it('PLI and FIR reach the video stream\'s keyframe responder; audio has none', () => {
    const e = engine(1);
    const video = e.stream(0, 'video').session;
    const audio = e.stream(0, 'audio').session;
    expect(audio.keyframe).toBe(null);
    const { buf, length } = compound((b, at) => writeFir(b, writePli(b, at, PROBE_SSRC, audio.ssrc), PROBE_SSRC, video.ssrc, 1));
    e.feedback.handleRtcp(0, buf, length, 100, EPOCH + 100);
    expect(video.keyframe!.pending).toBe(true);
    expect(video.stats.report().totals).toMatchObject({ firsReceived: 1, plisReceived: 0 });
    expect(e.feedback.unknownSsrc).toBe(0); // audio is ours; it just has no keyframes to give
  });

  it('a malformed datagram is counted; the items before the damage still count', () => {
    const e = engine(1);
    const video = e.stream(0, 'video').session;
    const { buf, length } = compound((b, at) => writePli(b, at, PROBE_SSRC, video.ssrc));
    e.feedback.handleRtcp(0, buf, length + 4, 0, EPOCH); // 4 trailing bytes: not a whole packet
    expect(e.feedback.malformed).toBe(1);
    expect(video.keyframe!.pending).toBe(true);
  });

  it('W3C nackCount counts NACK packets: two NACK packets for one stream in one compound are two messages', () => {
    const e = engine(1);
    e.sendPackets(0, 'video', 50);
    const video = e.stream(0, 'video').session;
    const { buf, length } = compound((b, at) => writeNack(b, writeNack(b, at, PROBE_SSRC, video.ssrc, [1], 1), PROBE_SSRC, video.ssrc, [40], 1));
    e.feedback.handleRtcp(0, buf, length, 100, EPOCH + 100);
    expect(video.stats.report().totals).toMatchObject({ nacksReceived: 2, packetsNacked: 2 });
    // One NACK packet with several FCI entries (numbers more than 16 apart) is one message.
    const one = compound(nackOf(video.ssrc, [2, 20, 45]));
    expect(nackEntryCount([2, 20, 45], 3)).toBe(3);
    e.feedback.handleRtcp(0, one.buf, one.length, 200, EPOCH + 200);
    expect(video.stats.report().totals).toMatchObject({ nacksReceived: 3, packetsNacked: 5 });    // A foreign NACK is one unknown message, whatever its entries.
    const foreign = compound(nackOf(0x5555_5555, [2, 20, 45]));
    e.feedback.handleRtcp(0, foreign.buf, foreign.length, 300, EPOCH + 300);
    expect(e.feedback.unknownSsrc).toBe(1);
  });

  it('REMB: the highest estimate per window for each SSRC it names (ours only)', () => {
    const e = engine(1);
    const video = e.stream(0, 'video').session;
    const audio = e.stream(0, 'audio').session;
    for (const [nowMs, bps] of [[100, 800_000], [200, 1_500_003], [900, 1_200_000], [1500, 300_000]]) {
      const { buf, length } = compound((b, at) => writeRemb(b, at, PROBE_SSRC, bps, [video.ssrc, audio.ssrc, 0x4242], 3));
      e.feedback.handleRtcp(0, buf, length, nowMs, EPOCH + nowMs);
    }
    // The REMB mantissa has 18 bits: 1_500_003 bit/s is carried as 1_500_000 (rounded down, never above).
    expect(video.stats.report(2).windows.rembBpsMax).toEqual([1_500_000, 300_000]);
    expect(audio.stats.report(2).totals.rembBpsMax).toBe(1_500_000);
    expect(e.feedback.unknownSsrc).toBe(4);
  });
});

describe('SenderSession: round trip from report blocks (RFC 3550 6.4.1 LSR/DLSR)', () => {
  /**
   * One SR -> RR exchange over a path with the given one-way delays, the receiver holding the RR
   * `holdMs` after the SR arrived; the receiver side is avcm's ReceptionReport writing a real RR.
   */
  function exchange(e: ReturnType<typeof engine>, sentEpochMs: number, forwardMs: number, holdMs: number, backMs: number): void {
    const video = e.stream(0, 'video').session;
    const length = video.buildReport(sentEpochMs - EPOCH, sentEpochMs);
    const receiver = new ReceptionReport();
    new RtcpReader().read(video.reporter.buffer, length, {
      senderReport: (_ssrc, seconds, fraction) => receiver.onSenderReport(seconds, fraction, sentEpochMs + forwardMs),
    });
    const block = emptyReportBlock();
    receiver.fill(block, video.ssrc, 100, 98, 99, 12, sentEpochMs + forwardMs + holdMs);
    const buf = Buffer.alloc(200);
    let at = writeReceiverReport(buf, 0, PROBE_SSRC, [block], 1);
    at = writeSdesCname(buf, at, PROBE_SSRC, Buffer.from('probe'));
    const arrivalEpochMs = sentEpochMs + forwardMs + holdMs + backMs;
    e.feedback.handleRtcp(0, buf, at, arrivalEpochMs - EPOCH, arrivalEpochMs);
  }

  it('a known path delay gives that RTT (DLSR removes the receiver\'s hold time), to compact-NTP resolution', () => {
    const e = engine(1);
    const video = e.stream(0, 'video').session;
    exchange(e, EPOCH + 1000.4, 20, 750, 30);
    expect(video.rttMs).toBeCloseTo(50, 1);
    const totals = video.stats.report().totals;
    expect(totals.rttSamples).toBe(1);
    expect(totals.rttMsSum).toBeCloseTo(50, 1);
    expect(totals.rttMsMax).toBeCloseTo(50, 1);
    expect(totals.reportBlocksReceived).toBe(1);
    expect(totals.remoteLossPercentSum).toBeCloseTo((100 * Math.floor((2 * 256) / 100)) / 256, 9);
  });

  it('smooths later samples with gain 1/8 and records each sample in its window', () => {
    const e = engine(1);
    const video = e.stream(0, 'video').session;
    exchange(e, EPOCH + 1000, 20, 100, 20); // 40
    exchange(e, EPOCH + 2000, 60, 100, 60); // 120
    expect(video.rttMs).toBeCloseTo(40 + (120 - 40) / 8, 1);
    const w = video.stats.report(3).windows;
    expect(w.rttSamples).toEqual([0, 1, 1]);
    expect(w.rttMsMax[2]).toBeCloseTo(120, 1);
  });

  it('a block whose LSR is not one of our SRs (another sender\'s, or none yet) counts as a block but gives no RTT', () => {
    const e = engine(1);
    const video = e.stream(0, 'video').session;
    video.buildReport(0, EPOCH);
    const buf = Buffer.alloc(200);
    const block = { ...emptyReportBlock(), ssrc: video.ssrc, lsr: 0x1234_5678, dlsr: 10 };
    const noSr = { ...emptyReportBlock(), ssrc: video.ssrc };
    const at = writeReceiverReport(buf, 0, PROBE_SSRC, [block, noSr], 2);
    e.feedback.handleRtcp(0, buf, at, 500, EPOCH + 500);
    expect(video.rttMs).toBe(0);
    expect(video.stats.report().totals).toMatchObject({ reportBlocksReceived: 2, rttSamples: 0 });
  });
});

describe('SenderFeedback: the SR schedule (RFC 3550 6.3.1 randomized intervals from one DueHeap)', () => {
  it('each stream\'s first SR within 0.25..0.75 of an interval, then every 0.5..1.5 intervals, mean about one interval', () => {
    const e = engine(3, { ...OPTIONS, reportIntervalMs: 1000 }, 42);
    let next = 0;
    for (let nowMs = 0; nowMs <= 60_000; nowMs++) {
      if (nowMs < next) continue;
      next = e.feedback.tick(nowMs, EPOCH + nowMs);
      expect(next).toBeGreaterThan(nowMs);
    }
    const bySsrc = new Map<number, number[]>();
    for (const r of e.reports) bySsrc.set(r.ssrc, [...(bySsrc.get(r.ssrc) ?? []), r.nowMs]);
    expect(bySsrc.size).toBe(6);
    const allIntervals: number[] = [];
    for (const [ssrc, times] of bySsrc) {
      expect(times[0], `first SR of ${ssrc}`).toBeGreaterThanOrEqual(250);
      expect(times[0]).toBeLessThan(750 + 1);
      for (let i = 1; i < times.length; i++) {
        const interval = times[i] - times[i - 1];
        expect(interval).toBeGreaterThanOrEqual(500 - 1);
        expect(interval).toBeLessThan(1500 + 1);
        allIntervals.push(interval);
      }
    }
    const mean = allIntervals.reduce((s, v) => s + v, 0) / allIntervals.length;
    expect(mean).toBeGreaterThan(900);
    expect(mean).toBeLessThan(1100);
    // Randomized: the intervals are not all alike (streams do not send in lockstep).
    expect(Math.max(...allIntervals) - Math.min(...allIntervals)).toBeGreaterThan(500);
    // Each SR leaves on its own participant's path, counted in the window it was sent.
    for (const r of e.reports) expect(e.streams.find((s) => s.session.ssrc === r.ssrc)!.slot).toBe(r.slot);
    const video0 = e.stream(0, 'video').session;
    expect(video0.stats.report().totals.reportsSent).toBe(bySsrc.get(video0.ssrc)!.length);
  });

  it('the same seed gives the same schedule; a report interval of 0 sends none', () => {
    const run = (seed: number, reportIntervalMs = 1000) => {
      const e = engine(2, { ...OPTIONS, reportIntervalMs }, seed);
      for (let nowMs = 0; nowMs <= 10_000; nowMs += 5) e.feedback.tick(nowMs, EPOCH + nowMs);
      return e.reports.map((r) => [r.ssrc, r.nowMs]);
    };
    expect(run(9)).toEqual(run(9));
    expect(run(9)).not.toEqual(run(10));
    expect(run(9, 0)).toEqual([]);
  });

  it('an SR carries the NTP time of the tick and the stream\'s counts so far', () => {
    const e = engine(1);
    e.sendPackets(0, 'video', 10);
    e.feedback.tick(5000, EPOCH + 5000.5);
    const video = e.stream(0, 'video').session;
    const sr = e.reports.find((r) => r.ssrc === video.ssrc)!;
    expect(sr.bytes.readUInt32BE(8)).toBe(ntpSeconds(EPOCH + 5000.5));
    expect(sr.bytes.readUInt32BE(12)).toBe(ntpFraction(EPOCH + 5000.5));
    expect(sr.bytes.readUInt32BE(16)).toBe(1000 + 5000 * 90);
    expect(sr.bytes.readUInt32BE(20)).toBe(10);
    expect(sr.bytes.readUInt32BE(24)).toBe(1000);
    expect(sr.bytes.length).toBe(28 + sdesCnameBytes('avcm-1001'.length));
  });
});

describe('SenderSession without NACK or PLI', () => {
  it('answers no NACK and no PLI, still reports', () => {
    const e = engine(1, { ...OPTIONS, nack: false, pli: false });
    e.sendPackets(0, 'video', 20);
    const video = e.stream(0, 'video').session;
    expect(video.keyframe).toBe(null);
    const { buf, length } = compound((b, at) => writePli(b, writeNack(b, at, PROBE_SSRC, video.ssrc, [1], 1), PROBE_SSRC, video.ssrc));
    expect(nackBytes(1)).toBe(16);
    e.feedback.handleRtcp(0, buf, length, 100, EPOCH + 100);
    expect(e.leaving).toEqual([]);
    expect(video.stats.report().totals).toMatchObject({ nacksReceived: 1, packetsNacked: 0, retransmissionsSent: 0 });
    expect(video.stats.rtxSsrc).toBe(null);
  });
});
