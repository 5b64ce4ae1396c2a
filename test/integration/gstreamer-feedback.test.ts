import dgram from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendingStreamSummary } from '../../src/cli/send.js';
import type { ProbeReport, StreamReport } from '../../src/probe/types.js';
import {
  gstreamerMissing,
  rtpPayloadOffset,
  startGstReceiver,
  startGstSender,
  startLossyRelay,
  type GstReceiverOptions,
  type GstReceiverStats,
  type GstSenderOptions,
  type GstSenderStats,
  type LossyRelay,
  type LossyRelayOptions,
  type SeenSources,
  type WireCounts,
} from '../helpers/gstreamer/index.js';
import { spawnCli } from '../helpers/spawn-cli.js';

/**
 * avcm's RTCP feedback loop held against GStreamer, an implementation avcm did not write, in both
 * directions, through a seeded lossy relay on loopback (10 % of forward RTP dropped, media and
 * retransmissions alike; RTCP never):
 *
 * 1. `avcm send` (one participant) -> relay -> GStreamer receiver (NACK, RTX, PLI or FIR, decoding):
 *    avcm's SR + CNAME, RTX answers to GStreamer's NACKs, IDRs answering PLI/FIR, and the round trip
 *    avcm computes from GStreamer's receiver reports (`avcm send --json`: without a probe in the path
 *    a run result has no streams to hang sender figures on, so `send` writes them itself).
 * 2. GStreamer sender (RTX, or the same packet again) -> relay -> `avcm receive`: avcm's NACKs,
 *    RTX unwrapped without signaling, residual loss after repair, the RTT GStreamer computes from
 *    avcm's LSR/DLSR, the fraction lost avcm reports, and a PLI after a loss burst answered by an IDR.
 *
 * The relay reads every datagram itself (its own parsing, nothing from avcm) and is the referee.
 * Figures are printed as tables; assertions use wide margins (a busy 2-core machine), never time.
 */
const missing = gstreamerMissing();
if (missing) console.warn(`GStreamer feedback tests skipped: ${missing}`);

const LOSS_PERCENT = 10;
const SEED = 7;
const VIDEO_PT = 96;
const RTX_PT = 97;
/** avcm's first participant id (the scenario default), so its CNAME is avcm-1001. */
const PARTICIPANT_ID = 1001;
/** After the sender stops: GStreamer's jitterbuffer latency (300 ms) plus room to drain. */
const DRAIN_MS = 1000;
/** A request is answered "at once" when the IDR is among the next few frames avcm sends. */
const PROMPT_FRAMES = 3;

/** What the relay saw of one run, read by the test itself from the bytes. */
interface WireLog {
  /** Frames (distinct PT 96 timestamps) offered forward so far, and the indices of those carrying an IDR. */
  frames: number;
  idrFrames: number[];
  /** PLI and FIR passing backward: the forward frame count at that moment. */
  requests: { kind: 'pli' | 'fir'; atFrame: number; atForwardIndex: number }[];
  nacked: Set<number>;
  /** RTX packets forward: original sequence numbers, SSRCs, payload types. */
  rtxOriginalSequenceNumbers: number[];
  rtxSsrcs: Set<number>;
  videoSsrcs: Set<number>;
  /** Video sequence numbers offered forward more than once (a resent packet), and drops of first and later copies. */
  videoOriginals: number;
  videoResends: number;
  originalsDropped: number;
  resendsDropped: number;
  resendsDelivered: number;
  /** Report blocks avcm's probe sent back (fraction lost 0..1, cumulative lost, LSR), in order. */
  reportBlocks: { fractionLost: number; cumulativeLost: number; lsr: number }[];
  forwardRtpIndex: number;
}

function newWireLog(): WireLog {
  return {
    frames: 0,
    idrFrames: [],
    requests: [],
    nacked: new Set(),
    rtxOriginalSequenceNumbers: [],
    rtxSsrcs: new Set(),
    videoSsrcs: new Set(),
    videoOriginals: 0,
    videoResends: 0,
    originalsDropped: 0,
    resendsDropped: 0,
    resendsDelivered: 0,
    reportBlocks: [],
    forwardRtpIndex: 0,
  };
}

/** A relay observer filling `log`: frames and IDRs forward, requests and NACKs backward. */
function wireObserver(log: WireLog): NonNullable<LossyRelayOptions['observe']> {
  const seenSeqs = new Set<number>();
  let lastTimestamp = -1;
  return (direction, d, dropped) => {
    const rtcp = d[1] >= 192 && d[1] <= 223;
    if (direction === 'backward') {
      if (!rtcp) return;
      forEachRtcp(d, (type, fmt, at, end) => {
        if (type === 206 && (fmt === 1 || fmt === 4)) log.requests.push({ kind: fmt === 1 ? 'pli' : 'fir', atFrame: log.frames, atForwardIndex: log.forwardRtpIndex });
        else if (type === 205 && fmt === 1) for (const seq of nackEntries(d, at, end)) log.nacked.add(seq);
        else if (type === 201) {
          for (let block = at + 8; block + 24 <= end && block < at + 8 + 24 * fmt; block += 24) {
            const lost = d.readUIntBE(block + 5, 3);
            log.reportBlocks.push({ fractionLost: d[block + 4] / 256, cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost, lsr: d.readUInt32BE(block + 16) });
          }
        }
      });
      return;
    }
    if (rtcp) return;
    log.forwardRtpIndex++;
    const pt = d[1] & 0x7f;
    if (pt === RTX_PT) {
      log.rtxSsrcs.add(d.readUInt32BE(8));
      log.rtxOriginalSequenceNumbers.push(d.readUInt16BE(rtpPayloadOffset(d)));
      return;
    }
    if (pt !== VIDEO_PT) return;
    log.videoSsrcs.add(d.readUInt32BE(8));
    const seq = d.readUInt16BE(2);
    if (seenSeqs.has(seq)) {
      log.videoResends++;
      if (dropped) log.resendsDropped++;
      else log.resendsDelivered++;
      return;
    }
    seenSeqs.add(seq);
    log.videoOriginals++;
    if (dropped) log.originalsDropped++;
    const timestamp = d.readUInt32BE(4);
    if (timestamp !== lastTimestamp) {
      lastTimestamp = timestamp;
      log.frames++;
    }
    if (startsIdr(d) && log.idrFrames.at(-1) !== log.frames - 1) log.idrFrames.push(log.frames - 1);
  };
}

/** Walks a compound RTCP datagram: `visit(packetType, count/fmt, start, end)` per packet. */
function forEachRtcp(d: Buffer, visit: (type: number, fmt: number, at: number, end: number) => void): void {
  for (let at = 0; at + 4 <= d.length; ) {
    const end = at + 4 * (d.readUInt16BE(at + 2) + 1);
    if (end > d.length) return;
    visit(d[at + 1], d[at] & 0x1f, at, end);
    at = end;
  }
}

/** RFC 4585 6.2.1: PID + BLP of every FCI entry. */
function nackEntries(d: Buffer, at: number, end: number): number[] {
  const out: number[] = [];
  for (let fci = at + 12; fci + 4 <= end; fci += 4) {
    const pid = d.readUInt16BE(fci);
    const blp = d.readUInt16BE(fci + 2);
    out.push(pid);
    for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) out.push((pid + bit + 1) & 0xffff);
  }
  return out;
}

/** RFC 6184: an IDR NAL unit alone, in an STAP-A, or the first FU-A fragment of one. */
function startsIdr(d: Buffer): boolean {
  const at = rtpPayloadOffset(d);
  if (at < 0 || at >= d.length) return false;
  const type = d[at] & 0x1f;
  if (type === 5) return true;
  if (type === 28) return at + 1 < d.length && (d[at + 1] & 0x80) !== 0 && (d[at + 1] & 0x1f) === 5;
  if (type === 24) {
    for (let unit = at + 1; unit + 2 < d.length; ) {
      const size = d.readUInt16BE(unit);
      if (size === 0) return false;
      if ((d[unit + 2] & 0x1f) === 5) return true;
      unit += 2 + size;
    }
  }
  return false;
}

/**
 * Keyframe request episodes: the first request after an IDR opens one, later requests before the
 * next IDR repeat it. Per episode, how many frames went out between the request passing the relay
 * and the next IDR (0: the very next frame); requests too close to the end to be answered are left out.
 */
function keyframeEpisodes(log: WireLog): number[] {
  const out: number[] = [];
  let answeredBy = -1;
  for (const request of log.requests) {
    const next = log.idrFrames.find((frame) => frame >= request.atFrame);
    if (next === undefined) continue;
    if (next === answeredBy) continue;
    answeredBy = next;
    out.push(next - request.atFrame);
  }
  return out;
}

/** AVCM_GST_LOG_DIR=/some/dir keeps each gst-launch's full output there. */
function launchOptions(name: string): { logFile: string } | undefined {
  const dir = process.env.AVCM_GST_LOG_DIR;
  return dir ? { logFile: path.join(dir, `feedback-${name}.log`) } : undefined;
}

/** One column per run, one row per figure: narrow enough to read (and to paste into a note). */
function printFigures(title: string, runs: Record<string, string | number>[]): void {
  const table: Record<string, Record<string, string | number>> = {};
  for (const run of runs) {
    for (const [figure, value] of Object.entries(run)) if (figure !== 'run') (table[figure] ??= {})[String(run.run)] = value;
  }
  console.log(title);
  console.table(table);
}

const percent = (part: number, whole: number): number => (whole > 0 ? Number(((100 * part) / whole).toFixed(1)) : 0);
const fixed = (value: number | null | undefined, digits = 1): string => (value === null || value === undefined ? '-' : value.toFixed(digits));

let workDir = '';

// ---------------------------------------------------------------------------------------------
// 1. avcm sender -> relay -> GStreamer receiver

interface AvcmSenderRun {
  label: string;
  receiver: GstReceiverStats;
  sender: SendingStreamSummary;
  offered: WireCounts;
  delivered: WireCounts;
  backward: WireCounts;
  dropped: number;
  sources: SeenSources;
  log: WireLog;
  exitCode: number | null;
}

/** `avcm send` with one participant (video only) for `mediaS` seconds through the relay to a GStreamer receiver. */
async function runAvcmSender(label: string, rtcp: string | null, receiverOptions: GstReceiverOptions, mediaS: number): Promise<AvcmSenderRun> {
  const receiver = await startGstReceiver({ ...receiverOptions, launch: launchOptions(`${label}-receiver`) });
  const log = newWireLog();
  const relay = await startLossyRelay({ target: { host: '127.0.0.1', port: receiver.port }, lossPercent: LOSS_PERCENT, seed: SEED, observe: wireObserver(log) });
  try {
    const scenario = path.join(workDir, `${label}.yaml`);
    const json = path.join(workDir, `${label}.json`);
    await writeFile(
      scenario,
      [
        'version: 1',
        `name: gst-${label}`,
        `duration: ${mediaS}s`,
        'media: { audio: false }',
        `participants: { count: 1, base_port: 0${rtcp ? `, rtcp: ${rtcp}` : ''} }`,
        `target: udp://127.0.0.1:${relay.port}`,
        '',
      ].join('\n'),
    );
    const run = await spawnCli(['send', scenario, '--partitions', '1', '--quiet', '--json', json], { timeoutMs: 90_000 }).done;
    if (run.code !== 0) throw new Error(`avcm send exited ${run.code}: ${run.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
    const seen = await receiver.stop();
    const result = JSON.parse(await readFile(json, 'utf8')) as { senders: SendingStreamSummary[] };
    const video = result.senders.find((s) => s.media === 'video');
    if (!video) throw new Error(`avcm send --json has no video stream: ${JSON.stringify(result)}`);
    return {
      label,
      receiver: seen,
      sender: video,
      offered: relay.offered.snapshot(),
      delivered: relay.delivered.snapshot(),
      backward: relay.backward.snapshot(),
      dropped: relay.droppedForward(),
      sources: relay.sources(),
      log,
      exitCode: run.code,
    };
  } finally {
    await Promise.all([receiver.stop(), relay.close()]);
  }
}

function avcmSenderFigures(run: AvcmSenderRun): Record<string, string | number> {
  const sent = run.log.frames;
  const episodes = keyframeEpisodes(run.log);
  return {
    run: run.label,
    'frames sent': sent,
    'decoded (gst)': run.receiver.framesDecoded,
    'decoded %': percent(run.receiver.framesDecoded, sent),
    'RTP offered': run.offered.rtpPackets,
    'dropped (relay)': run.dropped,
    'lost per gst': run.receiver.packetsLost,
    'NACK pkts (wire)': run.backward.nacks,
    'NACKed seqs': run.backward.nackedSequenceNumbers,
    'RTX sent (wire)': run.offered.rtpByPayloadType[RTX_PT] ?? 0,
    'RTX answers (avcm)': run.sender.retransmissionsSent,
    'NACK->RTX ms (gst)': fixed(run.receiver.nackResponse.averageMs),
    'PLI/FIR (wire)': `${run.backward.plis}/${run.backward.firs}`,
    'PLI/FIR (avcm)': `${run.sender.plisReceived}/${run.sender.firsReceived}`,
    'IDRs (wire)': run.offered.h264Idrs,
    'IDR answers (avcm)': run.sender.keyframesSent,
    [`requests -> IDR in <= ${PROMPT_FRAMES} frames`]: episodes.length > 0 ? `${episodes.filter((n) => n <= PROMPT_FRAMES).length} of ${episodes.length} (max ${Math.max(...episodes)})` : '-',
    'SR (wire)': run.offered.senderReports,
    'RR blocks (avcm)': run.sender.reportBlocksReceived,
    'RTT ms (avcm)': fixed(run.sender.rttMs, 2),
    'gst loss % (RR)': fixed(run.sender.remoteLossPercent),
  };
}

// ---------------------------------------------------------------------------------------------
// 2. GStreamer sender -> relay -> avcm's probe

interface GstSenderRun {
  label: string;
  sender: GstSenderStats;
  probe: ProbeReport;
  video: StreamReport;
  offered: WireCounts;
  delivered: WireCounts;
  backward: WireCounts;
  dropped: number;
  burst: ReturnType<LossyRelay['burst']>;
  sources: SeenSources;
  log: WireLog;
  /**
   * rtpsession's view of avcm's report blocks, sampled every 250 ms while the stream ran: fraction
   * lost (0..1; a block holds until the next RR, so the samples weigh each by its time) and cumulative lost.
   */
  gstFractionsLost: number[];
  gstCumulativeLost: number;
  probeExit: number | null;
}

/** A free loopback UDP port for `avcm receive --listen` (which takes no port 0). */
async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** `avcm receive` listening; GStreamer sends through the relay for `mediaMs`; the probe is stopped with SIGINT after a drain. */
async function runGstSender(label: string, senderOptions: Omit<GstSenderOptions, 'target'>, mediaMs: number, burst?: LossyRelayOptions['burst']): Promise<GstSenderRun> {
  const port = await freeUdpPort();
  const json = path.join(workDir, `${label}-probe.json`);
  const probe = spawnCli(['receive', '--listen', `udp://127.0.0.1:${port}`, '--json', json, '--quiet'], { timeoutMs: 90_000 });
  const deadline = Date.now() + 30_000;
  while (!probe.output().includes('listening on') && Date.now() < deadline && probe.child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!probe.output().includes('listening on')) {
    probe.child.kill('SIGKILL');
    throw new Error(`avcm receive did not start: ${probe.output()}`);
  }
  const log = newWireLog();
  const relay = await startLossyRelay({ target: { host: '127.0.0.1', port }, lossPercent: LOSS_PERCENT, seed: SEED, burst, observe: wireObserver(log) });
  try {
    const sender = await startGstSender({ ...senderOptions, launch: launchOptions(`${label}-sender`), target: { host: '127.0.0.1', port: relay.port }, durationMs: mediaMs });
    // rtpsession's own parse of avcm's RRs, sampled while the stream runs (its last block after the stop says 0 %).
    const gstFractionsLost: number[] = [];
    let gstCumulativeLost = 0;
    const poll = setInterval(() => {
      void sender.stats().then((s) => {
        for (const source of s.session?.sources ?? []) {
          if (source.internal || !source.haveRb || source.rbSsrc !== mainVideoSsrc(s)) continue;
          gstFractionsLost.push(source.rbFractionLost / 256);
          gstCumulativeLost = Math.max(gstCumulativeLost, source.rbPacketsLost);
        }
      });
    }, 250);
    const sent = await sender.finished.finally(() => clearInterval(poll));
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
    probe.child.kill('SIGINT');
    const exit = await probe.done;
    const report = JSON.parse(await readFile(json, 'utf8')) as ProbeReport;
    const video = report.streams.find((s) => s.media === 'video');
    if (!video) throw new Error(`the probe saw no video: ${JSON.stringify(report).slice(0, 500)}`);
    return {
      label,
      sender: sent,
      probe: report,
      video,
      offered: relay.offered.snapshot(),
      delivered: relay.delivered.snapshot(),
      backward: relay.backward.snapshot(),
      dropped: relay.droppedForward(),
      burst: relay.burst(),
      sources: relay.sources(),
      log,
      gstFractionsLost,
      gstCumulativeLost,
      probeExit: exit.code,
    };
  } finally {
    if (probe.child.exitCode === null) probe.child.kill('SIGKILL');
    await relay.close();
  }
}

function mainVideoSsrc(stats: GstSenderStats): number | undefined {
  const bySsrc = stats.wire.out.packetsBySsrcByPayloadType[VIDEO_PT] ?? {};
  return Object.entries(bySsrc).sort((a, b) => b[1] - a[1]).map(([ssrc]) => Number(ssrc))[0];
}

const mean = (values: number[]): number | null => (values.length > 0 ? values.reduce((s, v) => s + v, 0) / values.length : null);

function gstSenderFigures(run: GstSenderRun): Record<string, string | number> {
  const v = run.video;
  const viewer = v.viewer!.totals;
  return {
    run: run.label,
    'frames sent': run.sender.framesSent,
    'rendered (avcm)': viewer.framesRendered,
    'RTP offered': run.offered.rtpPackets,
    'dropped (relay)': run.dropped,
    'originals dropped': run.log.originalsDropped,
    'wire loss % (avcm)': percent(v.totals.lost, v.totals.expected),
    'residual % (avcm)': percent(viewer.packetsMissingAtPlayout, viewer.packetsSettled),
    'NACKs (avcm)': viewer.nacksSent,
    'NACK pkts (wire)': run.backward.nacks,
    'retransmitted (gst)': run.sender.rtxSent || run.log.videoResends,
    'retransmissions (avcm)': viewer.retransmittedPackets,
    'recovered (avcm)': viewer.packetsRecovered,
    'unmatched RTX': run.probe.feedback?.unmatchedRetransmissions ?? '-',
    'NACK RTT ms (avcm)': viewer.nackRoundTrips > 0 ? fixed(viewer.nackRoundTripMsSum / viewer.nackRoundTrips) : '-',
    'PLI (avcm/wire/gst)': `${viewer.plisSent}/${run.backward.plis}/${run.sender.plisReceived}`,
    'IDRs (wire)': run.offered.h264Idrs,
    'keyframes (avcm)': `${viewer.keyframesReceived} (${viewer.keyframeResponses} answers, ${viewer.keyframeResponses > 0 ? fixed(viewer.keyframeResponseMsSum / viewer.keyframeResponses, 0) : '-'} ms)`,
    'freezes (avcm)': viewer.freezes,
    'RR blocks (wire)': run.backward.reportBlocks,
    'RTT ms (gst)': fixed(run.sender.rttMs, 2),
    'fraction lost % (gst view, over time)': fixed((mean(run.gstFractionsLost) ?? NaN) * 100),
    'fraction lost % (avcm RRs, mean)': fixed((mean(run.log.reportBlocks.map((b) => b.fractionLost)) ?? NaN) * 100),
    'cum. lost (gst view)': run.gstCumulativeLost,
  };
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'avcm-gst-feedback-'));
});
afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe.skipIf(missing !== null)('avcm sender -> seeded 10 % loss -> GStreamer receiver (NACK, RTX, PLI/FIR)', () => {
  let repaired: AvcmSenderRun;
  let unrepaired: AvcmSenderRun;
  let fir: AvcmSenderRun;

  beforeAll(async () => {
    const gstFull: GstReceiverOptions = { withRtx: true, nack: true, pli: true };
    // A 1 s jitter buffer: on a busy machine a repair can take longer than GStreamer's default
    // 300 ms to be asked for, answered and delivered; what is tested is that avcm answers.
    repaired = await runAvcmSender('avcm-rtx', null, { ...gstFull, latencyMs: 1000 }, 6);
    // GStreamer still NACKs, avcm does not answer: losses stay, and PLIs ask for the way out
    unrepaired = await runAvcmSender('avcm-no-nack', '{ nack: false }', gstFull, 6);
    fir = await runAvcmSender('avcm-fir', null, { withRtx: false, nack: false, pli: true, fir: true }, 4);
    printFigures('avcm send -> relay (10 % loss, seed 7) -> GStreamer receiver', [repaired, unrepaired, fir].map(avcmSenderFigures));
  }, 150_000);

  it('the relay dropped about 10 % of the forward RTP', () => {
    for (const run of [repaired, unrepaired, fir]) {
      expect(run.exitCode).toBe(0);
      expect(run.log.frames).toBeGreaterThan(90); // 30 fps, with room for a slow start
      expect(run.dropped / run.offered.rtpPackets).toBeGreaterThan(0.05);
      expect(run.dropped / run.offered.rtpPackets).toBeLessThan(0.16);
    }
  });

  it("GStreamer processed avcm's SR, saw its CNAME in every compound, and RTCP shares the RTP 5-tuple", () => {
    for (const run of [repaired, unrepaired, fir]) {
      expect(run.receiver.senderReportSeen).toBe(true);
      expect(run.offered.senderReports).toBeGreaterThan(0);
      expect(run.receiver.wire.in.cnames).toEqual([`avcm-${PARTICIPANT_ID}`]);
      expect(run.offered.compoundsWithoutCname).toBe(0);
      expect(run.offered.compoundsNotStartingWithReport).toBe(0);
      expect(run.offered.malformedRtcp).toBe(0);
      expect(run.sources.senderRtp).toHaveLength(1);
      expect(run.sources.senderRtcp).toEqual(run.sources.senderRtp);
      expect(run.receiver.problems).toEqual([]);
    }
  });

  it('GStreamer NACKs, avcm answers with RFC 4588 RTX (own SSRC, PT 97, only what was asked) and nearly every frame decodes', () => {
    const r = repaired;
    expect(r.backward.nacks).toBeGreaterThan(0);
    expect(r.sender.nacksReceived).toBeGreaterThan(0);
    expect(r.sender.nacksReceived).toBeLessThanOrEqual(r.backward.nacks);
    expect(r.sender.retransmissionsSent).toBeGreaterThan(0);
    expect(r.log.rtxOriginalSequenceNumbers.length).toBe(r.offered.rtpByPayloadType[RTX_PT]);
    expect([...r.log.videoSsrcs]).toEqual([r.sender.ssrc]);
    expect([...r.log.rtxSsrcs]).toEqual([r.sender.rtxSsrc]);
    expect(r.sender.rtxSsrc).not.toBe(r.sender.ssrc);
    expect(r.log.rtxOriginalSequenceNumbers.filter((seq) => !r.log.nacked.has(seq))).toEqual([]);
    expect(r.receiver.rtxReceived).toBe(r.delivered.rtpByPayloadType[RTX_PT]);
    expect(r.receiver.nackResponse.repaired).toBeGreaterThan(0);
    expect(r.receiver.framesDecoded).toBeLessThanOrEqual(r.log.frames);
    expect(r.receiver.framesDecoded / r.log.frames).toBeGreaterThan(0.9);
  });

  it('without avcm answering NACKs the same loss costs frames; GStreamer NACKs in vain', () => {
    const u = unrepaired;
    expect(u.backward.nacks).toBeGreaterThan(0);
    expect(u.offered.rtpByPayloadType[RTX_PT] ?? 0).toBe(0);
    expect(u.sender.retransmissionsSent).toBe(0);
    expect(u.sender.rtxSsrc).toBeNull();
    expect(u.receiver.framesDecoded / u.log.frames).toBeLessThan(0.85);
    expect(u.receiver.framesDecoded).toBeLessThan(repaired.receiver.framesDecoded);
  });

  it("avcm answers GStreamer's PLIs and FIRs with the clip's next IDR, at once", () => {
    for (const [run, kind] of [[unrepaired, 'pli'], [fir, 'fir']] as const) {
      const requests = run.log.requests.filter((r) => r.kind === kind);
      expect(requests.length).toBeGreaterThan(0);
      expect(run.log.requests.filter((r) => r.kind !== kind)).toEqual([]);
      expect(kind === 'pli' ? run.sender.plisReceived : run.sender.firsReceived).toBeGreaterThan(0);
      expect(run.sender.keyframesSent).toBeGreaterThan(0);
      // The clip's own IDRs come every 60 frames: a request ignored would wait 30 frames on average.
      const episodes = keyframeEpisodes(run.log);
      expect(episodes.length).toBeGreaterThan(0);
      expect(episodes.filter((frames) => frames <= PROMPT_FRAMES).length / episodes.length).toBeGreaterThan(0.5);
      expect(run.log.idrFrames.length).toBeGreaterThan(Math.ceil(run.log.frames / 60) + 1);
    }
  });

  it("avcm's round trip from GStreamer's receiver reports (LSR/DLSR) is plausible, and so is the loss GStreamer reports", () => {
    for (const run of [repaired, unrepaired, fir]) {
      expect(run.sender.reportBlocksReceived).toBeGreaterThan(0);
      expect(run.sender.rttMs).not.toBeNull();
      expect(run.sender.rttMs!).toBeGreaterThan(0);
      expect(run.sender.rttMs!).toBeLessThan(250); // loopback through two Node sockets and gst-launch
      expect(run.sender.rttMsMax).toBeGreaterThanOrEqual(run.sender.rttMs!);
    }
    // GStreamer counts loss before repair: about the relay's 10 %
    expect(repaired.sender.remoteLossPercent).toBeGreaterThan(3);
    expect(repaired.sender.remoteLossPercent).toBeLessThan(25);
  });
});

describe.skipIf(missing !== null)('GStreamer sender -> seeded 10 % loss -> avcm receive (NACK, RTX, PLI)', () => {
  let rtx: GstSenderRun;
  let resend: GstSenderRun;
  let burst: GstSenderRun;
  const BURST = { fromIndex: 70, packets: 40 };

  beforeAll(async () => {
    // A keyframe interval longer than the run: every IDR after the first answers a PLI.
    rtx = await runGstSender('gst-rtx', { rtx: 'rtx', keyframeIntervalFrames: 10_000 }, 6000);
    resend = await runGstSender('gst-resend', { rtx: 'resend', keyframeIntervalFrames: 10_000 }, 6000);
    burst = await runGstSender('gst-burst', { rtx: 'rtx', keyframeIntervalFrames: 10_000 }, 6000, BURST);
    printFigures(`GStreamer sender -> relay (10 % loss, seed 7; gst-burst: also forward RTP ${BURST.fromIndex}..${BURST.fromIndex + BURST.packets - 1}) -> avcm receive`, [rtx, resend, burst].map(gstSenderFigures));
  }, 150_000);

  it('avcm measures one video stream without participant id, and the wire loss the relay made', () => {
    for (const run of [rtx, resend, burst]) {
      expect(run.probeExit).toBe(0);
      expect(run.probe.streams).toHaveLength(1);
      expect(run.video.participantId).toBeNull();
      expect(run.video.payloadType).toBe(VIDEO_PT);
      expect(run.sender.problems).toEqual([]);
      // avcm's RFC 3550 loss is the originals the relay dropped (a dropped last packet is never expected)
      expect(run.video.totals.lost).toBeLessThanOrEqual(run.log.originalsDropped);
      expect(run.video.totals.lost).toBeGreaterThanOrEqual(run.log.originalsDropped - 2);
    }
    for (const run of [rtx, resend]) expect(run.video.totals.lost / run.video.totals.expected).toBeGreaterThan(0.04);
  });

  it('avcm NACKs, GStreamer retransmits, and what the viewer misses is far below the wire loss', () => {
    for (const run of [rtx, resend]) {
      const viewer = run.video.viewer!.totals;
      expect(viewer.nacksSent).toBeGreaterThan(0);
      expect(run.backward.nacks).toBeLessThanOrEqual(viewer.nacksSent);
      expect(run.backward.nacks).toBeGreaterThanOrEqual(viewer.nacksSent - 1);
      expect(run.sender.nacksReceived).toBeGreaterThan(0);
      expect(run.sender.retransmissionRequests).toBeGreaterThan(0);
      expect(viewer.retransmittedPackets).toBeGreaterThan(0);
      expect(viewer.packetsRecovered).toBeGreaterThan(0);
      expect(viewer.nackRoundTrips).toBeGreaterThan(0);
      const wireLoss = run.video.totals.lost / run.video.totals.expected;
      const residual = viewer.packetsMissingAtPlayout / viewer.packetsSettled;
      expect(residual).toBeLessThan(wireLoss / 3);
      expect(viewer.framesRendered / run.sender.framesSent).toBeGreaterThan(0.85);
    }
  });

  it("RTX without signaling: avcm ties GStreamer's RTX SSRC to the video by its NACKs (RFC 4588 5.3) and unwraps every one", () => {
    const viewer = rtx.video.viewer!.totals;
    const rtxDelivered = rtx.delivered.rtpByPayloadType[RTX_PT] ?? 0;
    expect(rtx.sender.rtxSent).toBeGreaterThan(0);
    expect(rtxDelivered).toBeGreaterThan(0);
    expect(rtx.probe.feedback?.unmatchedRetransmissions).toBe(0);
    expect(viewer.retransmittedPackets).toBe(rtxDelivered);
    expect(rtx.log.rtxOriginalSequenceNumbers.filter((seq) => !rtx.log.nacked.has(seq))).toEqual([]);
  });

  it('the same packet resent: every copy that arrived is a retransmission, and the wire loss still counts the original lost', () => {
    const viewer = resend.video.viewer!.totals;
    expect(resend.offered.rtpByPayloadType[RTX_PT] ?? 0).toBe(0);
    expect(resend.log.videoResends).toBeGreaterThan(0);
    expect(viewer.retransmittedPackets).toBe(resend.log.resendsDelivered);
    expect(resend.video.totals.reordered).toBe(0);
  });

  it("GStreamer computes an RTT from avcm's LSR/DLSR and reads a plausible fraction lost from avcm's report blocks", () => {
    for (const run of [rtx, resend, burst]) {
      expect(run.backward.receiverReports).toBeGreaterThan(0);
      expect(run.backward.compoundsWithoutCname).toBe(0);
      expect(run.backward.compoundsNotStartingWithReport).toBe(0);
      expect(run.backward.malformedRtcp).toBe(0);
      expect(run.sources.receiverRtcp).toHaveLength(1);
      expect(run.sources.receiverRtp).toEqual([]);
      // LSR echoes GStreamer's SR once one arrived; GStreamer's RTT from it is positive and small on loopback
      expect(run.log.reportBlocks.some((b) => b.lsr !== 0)).toBe(true);
      expect(run.sender.rttMs).not.toBeNull();
      expect(run.sender.rttMs!).toBeGreaterThan(0);
      expect(run.sender.rttMs!).toBeLessThan(250);
    }
    for (const run of [rtx, resend]) {
      // rtpsession's view of avcm's blocks: fraction lost about the wire loss, cumulative lost the originals dropped
      const fraction = mean(run.gstFractionsLost);
      expect(fraction).not.toBeNull();
      expect(fraction!).toBeGreaterThan(0.02);
      expect(fraction!).toBeLessThan(0.25);
      expect(run.gstCumulativeLost).toBeLessThanOrEqual(run.log.originalsDropped);
      expect(run.gstCumulativeLost).toBeGreaterThanOrEqual(run.log.originalsDropped - 6); // the last RR before the stop misses the last drops
    }
  });

  it('after a loss burst avcm sends PLI, GStreamer answers with an IDR, and the viewer counts the keyframe response', () => {
    const b = burst;
    const viewer = b.video.viewer!.totals;
    expect(b.burst?.dropped).toBe(BURST.packets);
    expect(viewer.plisSent).toBeGreaterThan(0);
    expect(b.backward.plis).toBeLessThanOrEqual(viewer.plisSent);
    expect(b.backward.plis).toBeGreaterThanOrEqual(viewer.plisSent - 1);
    // no PLI before the burst: 10 % loss alone is repaired
    expect(b.log.requests.filter((r) => r.atForwardIndex < BURST.fromIndex)).toEqual([]);
    expect(b.sender.plisReceived).toBeGreaterThan(0);
    expect(b.offered.h264Idrs).toBeGreaterThan(1);
    expect(b.offered.h264Idrs - 1).toBeLessThanOrEqual(b.sender.plisReceived);
    expect(viewer.keyframesReceived).toBeGreaterThan(1);
    expect(viewer.keyframesReceived).toBeLessThanOrEqual(b.offered.h264Idrs);
    expect(viewer.keyframeResponses).toBeGreaterThan(0);
    expect(viewer.keyframeResponseMsSum).toBeGreaterThanOrEqual(0);
    // and the picture came back: frames rendered in the windows after the burst's last drop
    const rendered = b.video.viewer!.windows.framesRendered;
    const afterBurst = Math.ceil((b.burst!.lastEpochMs - b.probe.runStartEpochMs) / b.probe.windowMs) + 1;
    expect(rendered.slice(afterBurst).reduce((s, n) => s + n, 0)).toBeGreaterThan(0);
  });
});
