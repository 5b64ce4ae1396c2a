import { GenericNack, RtcpPacketConverter, RtcpPayloadSpecificFeedback, RtcpRrPacket, RtcpSourceDescriptionPacket, RtcpTransportLayerFeedback } from 'werift';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProbeReceiver, ReceiverSession, StreamStats, type ReturnPath } from '../../../src/probe/index.js';
import { ReceiverFeedback } from '../../../src/probe/receiver-feedback.js';
import { createRng } from '../../../src/plan/rng.js';
import { compactNtp, nackBytes, RtcpReader, sdesCnameBytes, writeSdesCname, writeSenderReport, type ReportBlock, type RtcpVisitor } from '../../../src/rtcp/index.js';
import { createParsedRtp, parseRtp } from '../../../src/rtp/index.js';
import { videoStream, wireBytes } from './media-stream.js';
import { EXT } from './packets.js';

const EPOCH = 1_700_000_000_000;
const PROBE_SSRC = 0x0000_0005;
const VIDEO_SSRC = 0x9abc_def0;

/** What our reader finds in a compound the probe sent. */
interface Heard {
  rr: number[];
  blocks: ReportBlock[];
  cnames: string[];
  nacks: [number, number, number, number][];
  plis: [number, number][];
}
function hear(buf: Uint8Array, length = buf.length): Heard {
  const h: Heard = { rr: [], blocks: [], cnames: [], nacks: [], plis: [] };
  const visitor: RtcpVisitor = {
    receiverReport: (ssrc) => h.rr.push(ssrc),
    reportBlock: (_r, b) => h.blocks.push({ ...b }),
    sdesCname: (_s, b, start, end) => h.cnames.push(Buffer.from(b.subarray(start, end)).toString()),
    nack: (s, m, pid, blp) => h.nacks.push([s, m, pid, blp]),
    pli: (s, m) => h.plis.push([s, m]),
  };
  expect(new RtcpReader().read(buf, length, visitor)).toBe(null);
  return h;
}

/** A probe's feedback loop with one video stream whose return path records what is sent. */
function loop(reportIntervalMs = 1000) {
  const feedback = new ReceiverFeedback(PROBE_SSRC, 'avcm-probe', reportIntervalMs, createRng(11));
  const stats = new StreamStats({ ssrc: VIDEO_SSRC, media: 'video', payloadType: 96, participantId: 1001, windowMs: 1000, runStartEpochMs: 0 });
  const session = new ReceiverSession(stats, { nack: true, pli: true, jitterBuffer: { fixedDelayMs: null } }, 8);
  const sent: { atMs: number; bytes: Buffer }[] = [];
  let nowMs = 0;
  session.returnPath = { send: (buf, length) => void sent.push({ atMs: nowMs, bytes: Buffer.from(buf.subarray(0, length)) }) };
  feedback.add(session, 0);
  const parsed = createParsedRtp();
  const deliver = (p: ReturnType<typeof videoStream>[number], atMs: number): void => {
    const buf = wireBytes(p, { pt: 96, ssrc: VIDEO_SSRC });
    parseRtp(buf, buf.length, EXT, parsed);
    session.arrivalMs = atMs;
    if (session.onMedia(buf, parsed, buf.length, Math.floor(atMs / 1000))) feedback.activate(session);
  };
  const tick = (ms: number): void => {
    nowMs = ms;
    feedback.tick(ms, EPOCH + ms);
  };
  return { feedback, session, stats, sent, deliver, tick };
}

describe('ReceiverFeedback: receiver reports (RFC 3550 6.4.2) and the compounds the probe sends', () => {
  it('an RR about each stream about once an interval (0.5..1.5 x), each the head of an RR + SDES CNAME compound', () => {
    const l = loop(1000);
    for (let ms = 0; ms <= 30_000; ms += 5) l.tick(ms);
    const times = l.sent.map((s) => s.atMs);
    expect(times[0]).toBeLessThanOrEqual(1000);
    for (let i = 1; i < times.length; i++) {
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(500);
      expect(times[i] - times[i - 1]).toBeLessThanOrEqual(1505);
    }
    expect(times.length).toBeGreaterThan(20);
    expect(times.length).toBeLessThan(40);
    const h = hear(l.sent[0].bytes);
    expect(h.rr).toEqual([PROBE_SSRC]);
    expect(h.blocks.map((b) => b.ssrc)).toEqual([VIDEO_SSRC]);
    expect(h.cnames).toEqual(['avcm-probe']);
    expect(l.feedback.rtcpSent).toBe(l.sent.length);
    // werift reads the same compound (packet by packet: it gives each packet the rest of the datagram).
    const rrLength = (l.sent[0].bytes.readUInt16BE(2) + 1) * 4;
    const [rr] = RtcpPacketConverter.deSerialize(l.sent[0].bytes.subarray(0, rrLength)) as [RtcpRrPacket];
    expect(rr.ssrc).toBe(PROBE_SSRC);
    expect(rr.reports.map((r) => r.ssrc)).toEqual([VIDEO_SSRC]);
    const [sdes] = RtcpPacketConverter.deSerialize(l.sent[0].bytes.subarray(rrLength)) as [RtcpSourceDescriptionPacket];
    expect(sdes.chunks[0].items[0].text).toBe('avcm-probe');
  });

  it('RFC 3550 6.4.1: an SR from the stream\'s source sets the LSR (and the DLSR runs from its arrival) in the next RR', () => {
    const l = loop(1000);
    for (let ms = 0; ms <= 2000; ms += 5) l.tick(ms);
    const early = hear(l.sent[0].bytes).blocks[0];
    expect([early.lsr, early.dlsr]).toEqual([0, 0]);
    const sr = Buffer.alloc(128);
    const srEpochMs = EPOCH + 2001.25;
    let at = writeSenderReport(sr, 0, VIDEO_SSRC, srEpochMs, 123_456, 10, 10_000);
    at = writeSdesCname(sr, at, VIDEO_SSRC, Buffer.from('avcm-1001'));
    l.feedback.handleRtcp(sr, at, EPOCH + 2010);
    expect(l.feedback.rtcpReceived).toBe(1);
    expect(l.session.reception.senderReports).toBe(1);
    const before = l.sent.length;
    let ms = 2010;
    while (l.sent.length === before) l.tick((ms += 5));
    const block = hear(l.sent.at(-1)!.bytes).blocks[0];
    expect(block.lsr).toBe(compactNtp(srEpochMs));
    expect(block.dlsr).toBe(Math.round(((ms - 2010) * 65_536) / 1000));
    // An SR from a source the probe does not receive changes nothing; garbage is counted malformed.
    const other = Buffer.alloc(64);
    l.feedback.handleRtcp(other, writeSenderReport(other, 0, 0x1111, EPOCH, 0, 0, 0), EPOCH + 3000);
    l.feedback.handleRtcp(Buffer.from([0x80, 0xc8, 0x00, 0x09]), 4, EPOCH + 3000);
    expect([l.feedback.rtcpReceived, l.feedback.rtcpMalformed, l.session.reception.senderReports]).toEqual([3, 1, 1]);
  });

  it('NACKs and PLIs go out as RR + SDES + the feedback packet (RFC 4585 3.1 compound), to the stream\'s own source', () => {
    const l = loop(0); // no periodic RRs: only feedback compounds
    const packets = videoStream({ frames: 90, packetsPerFrame: 3, kindOf: (f) => (f % 60 === 0 ? 'idr' : 'p') });
    const lost = packets[31];
    let tickMs = 0;
    for (const p of packets.slice(0, 60)) {
      if (p === lost) continue;
      const atMs = p.sentMs + 40 + p.indexInFrame * 0.2;
      for (; tickMs < atMs; tickMs += 5) l.tick(tickMs);
      l.deliver(p, atMs);
    }
    for (; tickMs <= 1200; tickMs += 5) l.tick(tickMs);
    const compounds = l.sent.map((s) => hear(s.bytes));
    const withNack = compounds.filter((c) => c.nacks.length > 0);
    const withPli = compounds.filter((c) => c.plis.length > 0);
    expect(withNack.length).toBe(10); // every retry until the frame's playout time, MAX_RETRIES of them
    for (const c of [...withNack, ...withPli]) {
      expect(c.rr).toEqual([PROBE_SSRC]);
      expect(c.blocks.map((b) => b.ssrc)).toEqual([VIDEO_SSRC]);
      expect(c.cnames).toEqual(['avcm-probe']);
    }
    expect(withNack[0].nacks).toEqual([[PROBE_SSRC, VIDEO_SSRC, lost.ext & 0xffff, 0]]);
    expect(withPli.length).toBeGreaterThanOrEqual(1); // the frame was given up: the chain broke
    expect(withPli[0].plis).toEqual([[PROBE_SSRC, VIDEO_SSRC]]);
    // werift reads the NACK and the PLI packets of those compounds.
    const tail = (bytes: Buffer): Buffer => {
      let at = 0;
      for (let i = 0; i < 2; i++) at += (bytes.readUInt16BE(at + 2) + 1) * 4;
      return bytes.subarray(at);
    };
    const nackBytes = l.sent.find((s) => hear(s.bytes).nacks.length > 0)!.bytes;
    const [nack] = RtcpPacketConverter.deSerialize(tail(nackBytes)) as [RtcpTransportLayerFeedback];
    expect((nack.feedback as GenericNack).lost).toEqual([lost.ext & 0xffff]);
    const pliBytes = l.sent.find((s) => hear(s.bytes).plis.length > 0)!.bytes;
    const [pli] = RtcpPacketConverter.deSerialize(tail(pliBytes)) as [RtcpPayloadSpecificFeedback];
    expect(pli.feedback.count).toBe(1);
    const viewer = l.session.viewerReport(2, 2000)!.totals;
    expect(viewer.nacksSent).toBe(10);
    expect(viewer.plisSent).toBe(withPli.length);
    expect(l.feedback.rtcpSent).toBe(l.sent.length);
  });

  it('a stream without a return path sends nothing (but its reports stay scheduled); an idle stream leaves the active list and comes back', () => {
    const l = loop(1000);
    l.session.returnPath = null;
    for (let ms = 0; ms <= 5000; ms += 5) l.tick(ms);
    expect(l.sent).toEqual([]);
    expect(l.feedback.rtcpSent).toBe(0);
    const path: ReturnPath = { send: vi.fn() };
    l.session.returnPath = path;
    const packets = videoStream({ frames: 3, packetsPerFrame: 2 });
    // Frame 0 arrives, is played: the session goes idle; frame 2 arrives with frame 1 missing: busy again.
    l.deliver(packets[0], 5001);
    l.deliver(packets[1], 5001.2);
    l.tick(5005);
    expect(l.session.active).toBe(false);
    l.deliver(packets[4], 5070);
    expect(l.session.active).toBe(true);
    for (let ms = 5075; ms <= 5200; ms += 5) l.tick(ms);
    expect(l.session.viewerReport(6, 6000)!.totals.nacksSent).toBeGreaterThan(0);
    expect(path.send).toHaveBeenCalled();
  });

  it('headBytes: RR with one block + SDES of the CNAME fits the compound buffer with a full NACK batch', () => {
    expect(ReceiverFeedback.headBytes('avcm-probe'.length)).toBe(8 + 24 + sdesCnameBytes('avcm-probe'.length));
    expect(ReceiverFeedback.headBytes(255) + nackBytes(64)).toBeLessThanOrEqual(1500);
  });
});

describe('ProbeReceiver: RTX, RTCP demultiplexing and return paths (the ingest path)', () => {
  const RTX_PT = 97;
  const RTX_SSRC = 0x7777_0001;

  /** An RTX packet (RFC 4588 4) for `original`: own SSRC, PT and sequence number, OSN first in the payload. */
  function rtxOf(original: Buffer, rtxSeq: number, participant: number | null): Buffer {
    const headerLength = 12 + 4 + ((original.readUInt16BE(14) * 4) | 0);
    const rtx = Buffer.concat([original.subarray(0, headerLength), original.subarray(2, 4), original.subarray(headerLength)]);
    rtx[1] = (original[1] & 0x80) | RTX_PT;
    rtx.writeUInt16BE(rtxSeq, 2);
    rtx.writeUInt32BE(RTX_SSRC, 8);
    if (participant === null) rtx[0] &= ~0x10; // no extension block at all
    return participant === null ? Buffer.concat([rtx.subarray(0, 12), rtx.subarray(headerLength)]) : rtx;
  }

  let probe: ProbeReceiver;
  afterEach(async () => probe?.close());

  function open(rtxSsrcs?: Map<number, number>): ProbeReceiver {
    probe = ProbeReceiver.detached({
      videoPayloadType: 96,
      audioPayloadType: 111,
      extensions: EXT,
      viewer: { nack: true, pli: true, jitterBuffer: { fixedDelayMs: null } },
      rtcp: { ssrc: PROBE_SSRC, reportIntervalMs: 1000 },
      rtx: { payloadType: RTX_PT, ssrcs: rtxSsrcs },
    });
    probe.start(EPOCH);
    return probe;
  }

  /** Frames 0..29 of a video stream with packet 31 lost and its RTX arriving 60 ms after it was due, in time order. */
  function feedWithRtx(p: ProbeReceiver, participantOnRtx: number | null): void {
    const packets = videoStream({ frames: 30, packetsPerFrame: 3 });
    const lost = packets[31];
    const rtx = rtxOf(wireBytes(lost, { pt: 96, ssrc: VIDEO_SSRC, participant: 1001 }), 9, participantOnRtx);
    let rtxSent = false;
    for (const packet of packets) {
      const atMs = packet.sentMs + 40 + packet.indexInFrame * 0.2;
      if (!rtxSent && atMs > lost.sentMs + 100) {
        p.ingest(rtx, rtx.length, EPOCH + lost.sentMs + 100);
        rtxSent = true;
      }
      if (packet === lost) continue;
      const buf = wireBytes(packet, { pt: 96, ssrc: VIDEO_SSRC, participant: 1001 });
      p.ingest(buf, buf.length, EPOCH + atMs);
    }
  }

  it('RFC 4588: an RTX packet is unwrapped and counted as a retransmission of its media stream (RTX SSRC map), never on the wire', () => {
    const p = open(new Map([[RTX_SSRC, VIDEO_SSRC]]));
    feedWithRtx(p, null);
    const report = p.report(2);
    expect(report.streams).toHaveLength(1); // no stream for the RTX SSRC
    const s = report.streams[0];
    expect(s.totals).toMatchObject({ received: 89, expected: 90, lost: 1 });
    expect(s.viewer!.totals).toMatchObject({ retransmittedPackets: 1, packetsMissingAtPlayout: 0 });
    expect(report.feedback!.unmatchedRetransmissions).toBe(0);
    expect(report.malformedPackets + report.foreignPackets).toBe(0);
  });

  it('without an SSRC map an RTX packet finds its stream by the participant-id extension; with neither it is unmatched', () => {
    const byParticipant = open();
    feedWithRtx(byParticipant, 1001);
    expect(byParticipant.report(2).streams[0].viewer!.totals.retransmittedPackets).toBe(1);
    expect(byParticipant.report(2).feedback!.unmatchedRetransmissions).toBe(0);
    void byParticipant.close();
    const lost = open();
    feedWithRtx(lost, null);
    expect(lost.report(2).streams[0].viewer!.totals.retransmittedPackets).toBe(0);
    expect(lost.report(2).feedback!.unmatchedRetransmissions).toBe(1);
    // An RTX payload shorter than the OSN is unmatched too.
    const stub = Buffer.from(wireBytes(videoStream({ frames: 1, packetsPerFrame: 1 })[0], { pt: RTX_PT, ssrc: RTX_SSRC, participant: 1001 }).subarray(0, 24 + 1)); // header + 1 byte
    lost.ingest(stub, stub.length, EPOCH + 5000);
    expect(lost.report(2).feedback!.unmatchedRetransmissions).toBe(2);
  });

  it('RFC 5761 4: RTCP on the media port is never parsed as RTP (no stream, not malformed, not foreign)', () => {
    const p = open();
    const sr = Buffer.alloc(128);
    let at = writeSenderReport(sr, 0, VIDEO_SSRC, EPOCH, 0, 0, 0);
    at = writeSdesCname(sr, at, VIDEO_SSRC, Buffer.from('x'));
    for (let i = 0; i < 5; i++) p.ingest(sr, at, EPOCH + i);
    const report = p.report(1);
    expect(report.streams).toEqual([]);
    expect(report.malformedPackets + report.foreignPackets).toBe(0);
    expect(report.feedback!.rtcpReceived).toBe(5);
    // A probe without RTCP or viewer drops it silently too: still no stream, nothing malformed.
    const plain = ProbeReceiver.detached({ videoPayloadType: 96, audioPayloadType: 111, extensions: EXT });
    plain.ingest(sr, at, EPOCH);
    expect(plain.report(1)).toMatchObject({ streams: [], malformedPackets: 0, foreignPackets: 0, feedback: null });
  });

  describe('on the probe\'s own (fake) clock', () => {
    let fakeNowMs = 0;
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      vi.spyOn(performance, 'now').mockImplementation(() => fakeNowMs);
    });
    afterEach(() => {
      vi.useRealTimers();
      vi.restoreAllMocks();
    });

    it('an SR from the sender sets the LSR of the next RR the probe sends back on the stream\'s return path', () => {
      fakeNowMs = 0;
      const sent: Buffer[] = [];
      const path: ReturnPath = { send: (buf, length) => void sent.push(Buffer.from(buf.subarray(0, length))) };
      probe = ProbeReceiver.detached({ videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, viewer: { nack: false, pli: false, jitterBuffer: false }, rtcp: { ssrc: PROBE_SSRC, reportIntervalMs: 500 } });
      const start = performance.timeOrigin;
      probe.start(start);
      const packets = videoStream({ frames: 30, packetsPerFrame: 1 });
      for (const packet of packets) {
        const buf = wireBytes(packet, { pt: 96, ssrc: VIDEO_SSRC, participant: 1001 });
        probe.ingest(buf, buf.length, start + packet.sentMs, -1, path);
      }
      const sr = Buffer.alloc(64);
      const srEpochMs = start + 1000.5;
      probe.ingest(sr, writeSenderReport(sr, 0, VIDEO_SSRC, srEpochMs, 90_000, 30, 3000), start + 1010);
      for (fakeNowMs = 1010; fakeNowMs <= 3000; fakeNowMs += 5) vi.advanceTimersByTime(5);
      const blocks = sent.map((b) => hear(b).blocks[0]);
      expect(blocks.length).toBeGreaterThanOrEqual(2);
      expect(blocks.every((b) => b.ssrc === VIDEO_SSRC)).toBe(true);
      expect(blocks.at(-1)!.lsr).toBe(compactNtp(srEpochMs));
      expect(blocks.at(-1)!.extendedHighestSeq).toBe(packets.at(-1)!.ext);
    });
  });
});
