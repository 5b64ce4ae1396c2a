import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  gstreamerMissing,
  startGstReceiver,
  startGstSender,
  startLossyRelay,
  type GstReceiverOptions,
  type GstReceiverStats,
  type GstSenderOptions,
  type GstSenderStats,
  type SeenSources,
  type WireCounts,
  rtpPayloadOffset,
} from '../helpers/gstreamer/index.js';

/**
 * The GStreamer oracle validated against itself before avcm's side exists: a GStreamer sender
 * sends H.264 through a seeded lossy relay on loopback to a GStreamer receiver, RTP and RTCP
 * sharing one 5-tuple per hop. The relay is the independent check: it counts RTP and RTCP by the
 * second byte in both directions, sees every source address, and reads the NACKs and RTX
 * packets itself. Figures are printed; assertions use wide margins (a busy 2-core machine).
 */
const missing = gstreamerMissing();
if (missing) console.warn(`GStreamer oracle tests skipped: ${missing}`);

const MEDIA_MS = 6000;
/** After the sender stops: the jitterbuffer's latency plus room to drain. */
const DRAIN_MS = 1000;
const LOSS_PERCENT = 10;
const SEED = 7;

interface PairRun {
  sender: GstSenderStats;
  receiver: GstReceiverStats;
  senderPort: number;
  receiverPort: number;
  relayFrontPort: number;
  relayBackPort: number;
  offered: WireCounts;
  delivered: WireCounts;
  backward: WireCounts;
  dropped: number;
  sources: SeenSources;
  /** Sequence numbers the receiver NACKed and the original sequence numbers of RTX packets the sender sent (read by the relay). */
  nacked: Set<number>;
  rtxOriginalSequenceNumbers: number[];
  videoSsrc: number | null;
  rtxSsrcs: Set<number>;
  pipelines: string[];
}

/** Sender -> relay (seeded loss of forward RTP) -> receiver; the sender runs `mediaMs`, then everything stops. */
async function runPair(label: string, lossPercent: number, receiverOptions: GstReceiverOptions, senderOptions: Omit<GstSenderOptions, 'target'>, mediaMs = MEDIA_MS): Promise<PairRun> {
  const receiver = await startGstReceiver({ ...receiverOptions, launch: launchOptions(`${label}-receiver`) });
  const nacked = new Set<number>();
  const rtxOriginalSequenceNumbers: number[] = [];
  const rtxSsrcs = new Set<number>();
  let videoSsrc: number | null = null;
  const relay = await startLossyRelay({
    target: { host: '127.0.0.1', port: receiver.port },
    lossPercent,
    seed: SEED,
    observe: (direction, datagram) => {
      if (direction === 'backward') for (const seq of nackedSequenceNumbers(datagram)) nacked.add(seq);
      else if (datagram[1] >= 192 && datagram[1] <= 223) return;
      else if ((datagram[1] & 0x7f) === 96) videoSsrc ??= datagram.readUInt32BE(8);
      else if ((datagram[1] & 0x7f) === 97) {
        rtxSsrcs.add(datagram.readUInt32BE(8));
        rtxOriginalSequenceNumbers.push(datagram.readUInt16BE(rtpPayloadOffset(datagram)));
      }
    },
  });
  const sender = await startGstSender({ ...senderOptions, launch: launchOptions(`${label}-sender`), target: { host: '127.0.0.1', port: relay.port }, durationMs: mediaMs });
  try {
    const senderStats = await sender.finished;
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
    const receiverStats = await receiver.stop();
    return {
      sender: senderStats,
      receiver: receiverStats,
      senderPort: sender.sourcePort,
      receiverPort: receiver.port,
      relayFrontPort: relay.port,
      relayBackPort: relay.backPort,
      offered: relay.offered.snapshot(),
      delivered: relay.delivered.snapshot(),
      backward: relay.backward.snapshot(),
      dropped: relay.droppedForward(),
      sources: relay.sources(),
      nacked,
      rtxOriginalSequenceNumbers,
      videoSsrc,
      rtxSsrcs,
      pipelines: [sender.pipeline, receiver.pipeline],
    };
  } finally {
    await Promise.all([sender.stop(), receiver.stop(), relay.close()]);
  }
}

/** AVCM_GST_LOG_DIR=/some/dir keeps each gst-launch's full output there (add GST_DEBUG to the environment for more). */
function launchOptions(name: string): { logFile: string } | undefined {
  const dir = process.env.AVCM_GST_LOG_DIR;
  return dir ? { logFile: path.join(dir, `${name}.log`) } : undefined;
}

/** RFC 4585 6.2.1, read here independently of the harness: every sequence number of every generic NACK in a compound. */
function nackedSequenceNumbers(datagram: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at + 4 <= datagram.length; ) {
    const end = at + 4 * (datagram.readUInt16BE(at + 2) + 1);
    if (datagram[at + 1] === 205 && (datagram[at] & 0x1f) === 1) {
      for (let fci = at + 12; fci + 4 <= Math.min(end, datagram.length); fci += 4) {
        const pid = datagram.readUInt16BE(fci);
        const blp = datagram.readUInt16BE(fci + 2);
        out.push(pid);
        for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) out.push((pid + bit + 1) & 0xffff);
      }
    }
    at = end;
  }
  return out;
}

function figures(label: string, run: PairRun): Record<string, string | number> {
  const sent = run.offered.markedFramesByPayloadType[96] ?? 0;
  return {
    run: label,
    'frames sent': sent,
    'frames decoded': run.receiver.framesDecoded,
    'decoded %': sent > 0 ? Number(((100 * run.receiver.framesDecoded) / sent).toFixed(1)) : 0,
    'RTP offered': run.offered.rtpPackets,
    'dropped (relay)': run.dropped,
    'lost per RR (gst)': run.receiver.packetsLost,
    'NACK pkts (wire)': run.backward.nacks,
    'NACKed seqs': run.backward.nackedSequenceNumbers,
    'NACK pkts (gst)': run.receiver.nacksSent,
    'RTX sent': run.offered.rtpByPayloadType[97] ?? 0,
    'RTX delivered': run.delivered.rtpByPayloadType[97] ?? 0,
    'NACK->RTX ms': run.receiver.nackResponse.averageMs === null ? '-' : run.receiver.nackResponse.averageMs.toFixed(1),
    'PLI (wire)': run.backward.plis,
    'FIR (wire)': run.backward.firs,
    IDRs: run.offered.h264Idrs,
    'SR fwd': run.offered.senderReports,
    'RR back': run.backward.receiverReports,
    'report blocks': run.backward.reportBlocks,
    'RTT ms (gst)': run.sender.rttMs === null ? '-' : run.sender.rttMs.toFixed(2),
    'jitter ms (gst)': run.receiver.jitterMs.toFixed(2),
  };
}

describe.skipIf(missing !== null)('GStreamer oracle against itself: sender -> seeded 10 % loss -> receiver, rtcp-mux on loopback', () => {
  let repaired: PairRun;
  let unrepaired: PairRun;

  beforeAll(async () => {
    // A keyframe interval longer than the run: every IDR after the first answers a PLI/FIR.
    repaired = await runPair('repaired', LOSS_PERCENT, { withRtx: true, nack: true, pli: true }, { rtx: 'rtx', keyframeIntervalFrames: 10_000 });
    unrepaired = await runPair('unrepaired', LOSS_PERCENT, { withRtx: false, nack: false, pli: true }, { rtx: 'off', keyframeIntervalFrames: 10_000 });
    console.table([figures('NACK + RTX + PLI', repaired), figures('PLI only', unrepaired)]);
    console.log(`pipelines:\n${repaired.pipelines.join('\n')}`);
    // Other programs on a shared machine may send to a port we reused; they are dropped, but say so.
    for (const run of [repaired, unrepaired]) {
      const foreign = [...run.sources.foreign, ...run.receiver.inboundSources.foreign, ...run.sender.inboundSources.foreign];
      if (foreign.length > 0) console.warn(`foreign datagrams dropped from ${foreign.join(', ')}`);
    }
  }, 120_000);

  it('the relay really dropped about 10 % of the forward RTP in both runs', () => {
    for (const run of [repaired, unrepaired]) {
      expect(run.offered.markedFramesByPayloadType[96]).toBeGreaterThan(100); // 6 s at 30 fps, with room for a slow start
      expect(run.dropped / run.offered.rtpPackets).toBeGreaterThan(0.05);
      expect(run.dropped / run.offered.rtpPackets).toBeLessThan(0.16);
    }
  });

  it('with NACK and RTX the receiver NACKs, the sender retransmits per RFC 4588 and nearly every frame decodes', () => {
    const r = repaired;
    expect(r.backward.nacks).toBeGreaterThan(0);
    expect(r.receiver.nacksSent).toBeGreaterThan(0);
    // RFC 4588: RTX on its own SSRC with payload type 97, the original sequence number first in the payload,
    // and only for what was asked
    expect(r.rtxOriginalSequenceNumbers.length).toBeGreaterThan(0);
    expect(r.videoSsrc).not.toBeNull();
    expect([...r.rtxSsrcs]).toHaveLength(1);
    expect(r.rtxSsrcs.has(r.videoSsrc!)).toBe(false);
    expect(r.rtxOriginalSequenceNumbers.filter((seq) => !r.nacked.has(seq))).toEqual([]);
    expect(r.receiver.rtxReceived).toBe(r.delivered.rtpByPayloadType[97]); // the receiver's bridge saw what the relay let through
    expect(r.receiver.nackResponse.repaired).toBeGreaterThan(0);
    const sent = r.offered.markedFramesByPayloadType[96];
    expect(r.receiver.framesDecoded).toBeLessThanOrEqual(sent);
    expect(r.receiver.framesDecoded / sent).toBeGreaterThan(0.9);
    expect(r.receiver.problems).toEqual([]);
    expect(r.sender.problems).toEqual([]);
  });

  it('without retransmission the same loss costs frames, and PLIs bring IDRs (x264enc honours GstForceKeyUnit)', () => {
    const u = unrepaired;
    expect(u.backward.nacks).toBe(0);
    expect(u.offered.rtpByPayloadType[97] ?? 0).toBe(0);
    const sent = u.offered.markedFramesByPayloadType[96];
    expect(u.receiver.framesDecoded / sent).toBeLessThan(0.85);
    expect(u.receiver.framesDecoded).toBeLessThan(repaired.receiver.framesDecoded);
    expect(u.backward.plis).toBeGreaterThan(0);
    // the relay never drops RTCP; PLIs sent after the sender stopped do not reach it
    expect(u.sender.plisReceived).toBeGreaterThan(0);
    expect(u.sender.plisReceived).toBeLessThanOrEqual(u.backward.plis);
    expect(u.offered.h264Idrs).toBeGreaterThan(1);
    expect(u.offered.h264Idrs - 1).toBeLessThanOrEqual(u.backward.plis);
    expect(u.receiver.framesDecoded).toBeGreaterThan(0);
  });

  it('RTCP shares the RTP 5-tuple both ways: SR + SDES forward, RR with report blocks + SDES back', () => {
    for (const run of [repaired, unrepaired]) {
      const senderAddress = `127.0.0.1:${run.senderPort}`;
      expect(run.sources.senderRtp).toEqual([senderAddress]);
      expect(run.sources.senderRtcp).toEqual([senderAddress]);
      expect(run.sources.receiverRtcp).toEqual([`127.0.0.1:${run.receiverPort}`]);
      expect(run.sources.receiverRtp).toEqual([]);
      expect(run.offered.senderReports).toBeGreaterThan(0);
      expect(run.offered.cnames).toEqual(['gst-sender']);
      expect(run.backward.receiverReports).toBeGreaterThan(0);
      expect(run.backward.reportBlocks).toBeGreaterThan(0);
      expect(run.backward.cnames).toEqual(['gst-receiver']);
      for (const direction of [run.offered, run.backward]) {
        expect(direction.compoundsNotStartingWithReport).toBe(0);
        expect(direction.compoundsWithoutCname).toBe(0);
        expect(direction.malformedRtcp).toBe(0);
      }
      // GStreamer's side agrees: the receiver processed an SR, the sender got RRs back and computed an RTT from LSR/DLSR
      expect(run.receiver.senderReportSeen, `receiver SSRCs per payload type ${JSON.stringify(run.receiver.wire.in.packetsBySsrcByPayloadType)}`).toBe(true);
      expect(run.sender.rttMs).not.toBeNull();
      expect(run.sender.rttMs!).toBeGreaterThanOrEqual(0);
      // each GStreamer endpoint's bridge saw one peer address for RTP and RTCP alike: the relay's
      expect(run.receiver.inboundSources.rtp).toEqual([`127.0.0.1:${run.relayBackPort}`]);
      expect(run.receiver.inboundSources.rtcp).toEqual([`127.0.0.1:${run.relayBackPort}`]);
      expect(run.sender.inboundSources.rtp).toEqual([]);
      expect(run.sender.inboundSources.rtcp).toEqual([`127.0.0.1:${run.relayFrontPort}`]);
    }
  });

  it('a receiver set to FIR sends FIR (RFC 5104) instead of PLI and the sender answers with IDRs', async () => {
    const f = await runPair('fir', LOSS_PERCENT, { withRtx: false, nack: false, pli: true, fir: true }, { rtx: 'off', keyframeIntervalFrames: 10_000 }, 4000);
    console.table([figures('FIR only', f)]);
    expect(f.backward.firs).toBeGreaterThan(0);
    expect(f.backward.plis).toBe(0);
    expect(f.sender.firsReceived).toBeGreaterThan(0);
    expect(f.offered.h264Idrs).toBeGreaterThan(1);
    expect(f.offered.h264Idrs - 1).toBeLessThanOrEqual(f.backward.firs);
  }, 60_000);
});
