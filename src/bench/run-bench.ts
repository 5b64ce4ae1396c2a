import os from 'node:os';
import { LocalBackend, type EngineTotals } from '../backends/index.js';
import { LatenessHistogram } from '../engine/index.js';
import type { IoChoice } from '../io/index.js';
import { loadMediaLibrary, type MediaLibrary } from '../media/index.js';
import { compile } from '../plan/index.js';
import type { Plan } from '../plan/types.js';
import { openProbe, probeFeedbackOptions, ProbeReceiver, udpKernelCounters } from '../probe/index.js';
import { scenarioFromText } from '../scenario/index.js';
import { CountingSink } from './counting-sink.js';

/** What one benchmark pass measured; snake_case because it is the `--json` contract. */
export interface BenchFigures {
  engine: 'paced' | 'naive';
  /** `udp` (plain RTP) or `webrtc` (ICE + DTLS-SRTP through werift, media on the path `io_engines` names). */
  transport: 'udp' | 'webrtc';
  /** What received the packets: the built-in probe (sent and measured) or a counting sink (`--no-probe`: send only). */
  receiver: 'probe' | 'sink';
  /** Whether the RTCP feedback loop ran (participants' sessions and the probe as a viewer). */
  feedback: boolean;
  /** The UDP I/O the engines reported using (`mixed` if they differed) and the probe's. */
  io_engines: string | null;
  io_probe: string | null;
  /** Worker threads the probe was sharded over (1 = one receiver in the bench's thread; always 1 on dgram); null with a counting sink. */
  probe_shards: number | null;
  /** Whether each participant sent the shipped three simulcast layers (each its own stream) instead of one encoding. */
  simulcast: boolean;
  participants: number;
  /** RTP packets per second one participant sends (all its streams), from the clip. */
  packets_per_s_per_participant: number;
  partitions: number;
  duration_s: number;
  target_packets_per_s: number;
  achieved_packets_per_s: number;
  achieved_ratio: number;
  target_bits_per_s: number;
  achieved_bits_per_s: number;
  packets_sent: number;
  packets_received: number;
  /** Sent by the engines but not counted by the probe (kernel drops included), % of sent. */
  loss_percent: number;
  kernel_rcvbuf_errors: number | null;
  kernel_sndbuf_errors: number | null;
  /** Datagrams the kernel dropped at the probe's socket (SO_RXQ_OVFL); null with dgram. */
  kernel_drops: number | null;
  /** Batched I/O: packets the engines' sockets refused (full send buffer, errors). */
  send_dropped: number;
  lateness_p50_ms: number;
  lateness_p99_ms: number;
  lateness_max_ms: number;
  event_loop_delay_p99_ms: number | null;
  cpu_seconds_per_1k_packets: number | null;
  /** Participants one core sends and measures at this load: participants / (engines' + probe's CPU seconds per second of run). */
  participants_per_core: number | null;
  /** CPU microseconds per packet in the engine processes (send side) and in the probe (receive side). */
  engine_cpu_us_per_packet: number | null;
  probe_cpu_us_per_packet: number | null;
  rss_mb_per_participant: number | null;
  /** From the start of the launch (media cached) to the first packet leaving. */
  first_packet_ms: number | null;
  send_errors: number;
}

export interface BenchOptions {
  participants: number;
  durationMs: number;
  partitions: number;
  engine: 'paced' | 'naive';
  /** Run the RTCP feedback loop (default true, as scenario runs do); false = open loop, as before it existed. */
  feedback?: boolean;
  /** Every participant sends the shipped simulcast layers (`media.video.simulcast: true`); paced engine only. */
  simulcast?: boolean;
  /** Measure with the built-in probe (default); false = send only, to a counting sink (open loop). */
  probe?: boolean;
  /**
   * `webrtc`: the participants are WebRTC peers (werift's ICE and DTLS) answered by the built-in
   * WebRTC probe; `io` then chooses their media path: batched = avcm's native SRTP, dgram = werift's
   * JavaScript media path. Default `udp` (plain RTP). Paced engine, measured by the probe.
   */
  transport?: 'udp' | 'webrtc';
  /** Extra node flags for the engine processes (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** The I/O of the probe and the paced engines (resolved once by the caller); the naive baseline always uses dgram. */
  io: IoChoice;
  /** Worker threads to shard the probe over (batched I/O only; default 1: one receiver in this thread). */
  probeShards?: number;
  log(line: string): void;
}

/** Packets per second one participant sends with this media: video packets per loop over the loop's length (every simulcast layer), plus audio. */
function perParticipantRates(media: MediaLibrary): { packetsPerS: number; bitsPerS: number } {
  let packetsPerS = 0;
  let bitsPerS = 0;
  const headerBytes = 28;
  for (const video of media.videoLayers ?? (media.video ? [media.video] : [])) {
    const loopS = video.frames.length / video.fps;
    const packets = video.frames.reduce((sum, f) => sum + f.payloads.length, 0);
    const bytes = video.frames.reduce((sum, f) => sum + f.bytes, 0) + packets * headerBytes;
    packetsPerS += packets / loopS;
    bitsPerS += (bytes * 8) / loopS;
  }
  if (media.audio) {
    const perS = 1000 / media.audio.ptimeMs;
    const avgBytes = media.audio.frames.reduce((sum, f) => sum + f.length, 0) / media.audio.frames.length + headerBytes;
    packetsPerS += perS;
    bitsPerS += avgBytes * 8 * perS;
  }
  return { packetsPerS, bitsPerS };
}

/**
 * One benchmark pass: N participants of the shipped clip sent by the engine processes to the
 * built-in probe over loopback for the duration, with every figure the performance goal names.
 */
export async function runBench(options: BenchOptions): Promise<BenchFigures> {
  if (options.transport === 'webrtc') return runWebRtcBench(options);
  const measured = options.probe !== false;
  // The naive baseline has no sessions, and a counting sink sends no RTCP: both are open loop.
  const feedback = options.feedback !== false && options.engine === 'paced' && measured;
  const openLoop = feedback ? '' : ', rtcp: false }\nprobe: { nack: false, pli: false, jitter_buffer: false, report_interval: false';
  // The naive baseline knows one video stream per participant: simulcast is the paced engine's.
  const simulcast = options.simulcast === true && options.engine === 'paced';
  const scenario = scenarioFromText(
    `version: 1\nname: bench-${options.engine}-${options.participants}\nduration: ${Math.ceil(options.durationMs / 1000)}s\n${simulcast ? 'media: { video: { simulcast: true } }\n' : ''}participants: { count: ${options.participants}, base_port: 0${openLoop} }\n`,
    'bench',
  );
  const plan = compile(scenario, { partitions: options.partitions, seed: 1 });
  const media = await loadMediaLibrary(plan.media, { baseDir: process.cwd() });
  const rates = perParticipantRates(media);
  const receiver = measured ? await probeReceiver(plan, feedback, options.io, options.probeShards ?? 1) : await sinkReceiver(options.io);
  const abort = new AbortController();
  const launchedAt = Date.now();
  const backend = new LocalBackend({ baseDir: process.cwd(), engine: options.engine, nodeArgs: options.nodeArgs });
  const kernelBefore = udpKernelCounters();
  const cpuBefore = process.cpuUsage();
  const handle = await backend.launch(plan, { target: receiver.address, signal: abort.signal, log: options.log, io: options.io.path });
  try {
    const runStartEpochMs = Date.now() + 200;
    receiver.start(runStartEpochMs);
    handle.start(runStartEpochMs);
    const progress = setInterval(() => {
      const t = handle.totals();
      options.log(`  ${options.engine} ${options.participants}: ${((Date.now() - runStartEpochMs) / 1000).toFixed(0)}s, ${t.packetsSent} sent, ${receiver.receivedSoFar()} received`);
    }, 5_000);
    try {
      await handle.finished();
    } finally {
      clearInterval(progress);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const totals = handle.totals();
    const got = await receiver.result(Math.ceil(plan.durationMs / 1000));
    const kernelAfter = udpKernelCounters();
    const probeCpu = process.cpuUsage(cpuBefore);
    return figures({ options, transport: 'udp', receiver: measured ? 'probe' : 'sink', feedback, simulcast, plan, rates, totals, got, kernelBefore, kernelAfter, probeCpu, runStartEpochMs, launchedAt });
  } finally {
    await handle.stop();
    await receiver.close();
  }
}

/** What a pass sends to: its address, how much arrived, and what it measured at the end. */
interface PassReceiver {
  address: { host: string; port: number };
  start(runStartEpochMs: number): void;
  receivedSoFar(): number;
  result(windowCount: number): Promise<{ received: number; bytes: number; io: string | null; kernelDrops: number | null; shards: number | null }>;
  close(): Promise<void>;
}

async function probeReceiver(plan: ReturnType<typeof compile>, feedback: boolean, io: IoChoice, shards: number): Promise<PassReceiver> {
  const probe = await openProbe({
    listen: { host: '127.0.0.1', port: 0 },
    videoPayloadType: plan.media.video!.payloadType,
    audioPayloadType: plan.media.audio!.payloadType,
    extensions: plan.extensions,
    expectedDurationMs: plan.durationMs,
    ...(feedback ? probeFeedbackOptions(plan) : {}),
    io,
    shards,
  });
  return {
    address: probe.address,
    start: (runStartEpochMs) => probe.start(runStartEpochMs),
    // A sharded probe's count is its shards' last snapshot (up to a window old): fine for progress lines.
    receivedSoFar: () => probe.live().packetsReceived,
    result: async (windowCount) => {
      const report = await probe.report(windowCount);
      return {
        received: report.streams.reduce((sum, s) => sum + s.totals.received, 0),
        bytes: report.streams.reduce((sum, s) => sum + s.totals.bytes, 0),
        io: report.io ?? null,
        kernelDrops: report.kernelDrops ?? null,
        shards: io.path === 'batched' ? shards : 1,
      };
    },
    close: () => probe.close(),
  };
}

async function sinkReceiver(io: IoChoice): Promise<PassReceiver> {
  const sink = await CountingSink.open(io);
  return {
    address: sink.address,
    start: () => undefined,
    receivedSoFar: () => sink.datagrams,
    result: async () => ({ received: sink.datagrams, bytes: sink.bytes, io: sink.io, kernelDrops: sink.kernelDrops(), shards: null }),
    close: async () => sink.close(),
  };
}

/**
 * One WebRTC pass: N WebRTC participants (ICE and DTLS through werift) answered by the built-in
 * WebRTC probe over loopback; their media on avcm's native SRTP path (`io` batched) or werift's
 * JavaScript path (`io` dgram), the probe's likewise. Feedback loop as in scenario runs.
 */
async function runWebRtcBench(options: BenchOptions): Promise<BenchFigures> {
  const feedback = options.feedback !== false;
  const openLoop = feedback ? '' : ', rtcp: false }\nprobe: { nack: false, pli: false, jitter_buffer: false, report_interval: false';
  const simulcast = options.simulcast === true;
  const scenario = scenarioFromText(
    `version: 1\nname: bench-webrtc-${options.participants}\nduration: ${Math.ceil(options.durationMs / 1000)}s\n${simulcast ? 'media: { video: { simulcast: true } }\n' : ''}participants: { count: ${options.participants}, transport: webrtc, base_port: 0${openLoop} }\n`,
    'bench',
  );
  const plan = compile(scenario, { partitions: options.partitions, seed: 1 });
  const media = await loadMediaLibrary(plan.media, { baseDir: process.cwd() });
  const rates = perParticipantRates(media);
  const { WebRtcProbeSession, probeFeedback } = await import('../webrtc/index.js');
  const probe = ProbeReceiver.detached({
    videoPayloadType: plan.media.video!.payloadType,
    audioPayloadType: plan.media.audio!.payloadType,
    extensions: plan.extensions,
    expectedDurationMs: plan.durationMs,
    ...(feedback ? probeFeedbackOptions(plan) : {}),
  });
  const udp = options.io.path === 'batched' && options.io.udp.srtpUnavailable === null ? options.io.udp : undefined;
  if (options.io.path === 'batched' && !udp) options.log(`avcm bench: native SRTP unavailable (${options.io.udp.srtpUnavailable}); WebRTC media on werift`);
  const session = new WebRtcProbeSession({
    videoPayloadType: plan.media.video!.payloadType,
    audioPayloadType: plan.media.audio!.payloadType,
    rtxPayloadType: plan.media.video!.rtxPayloadType ?? 97,
    extensions: plan.extensions,
    feedback: feedback ? probeFeedback(plan) : undefined,
    simulcast,
    iceServers: [],
    loopbackOnly: true,
    onRtxSsrcs: (pairs) => probe.registerRtx(pairs),
    sink: probe.sink,
    udp,
  });
  const abort = new AbortController();
  const launchedAt = Date.now();
  // Loopback ICE between avcm's own peers, as `avcm test` does without an SFU or TURN.
  const backend = new LocalBackend({ baseDir: process.cwd(), engine: 'paced', nodeArgs: options.nodeArgs, env: { ...process.env, AVCM_WEBRTC_LOOPBACK: '1' } });
  const kernelBefore = udpKernelCounters();
  try {
    const handle = await backend.launch(plan, {
      target: null,
      signal: abort.signal,
      log: options.log,
      signaling: (participantId, offerSdp) => session.answer(participantId, offerSdp),
      io: udp ? 'batched' : 'dgram',
    });
    try {
      // CPU from here: ICE and DTLS setup are not the media path's cost.
      const cpuBefore = process.cpuUsage();
      const runStartEpochMs = Date.now() + 200;
      probe.start(runStartEpochMs);
      handle.start(runStartEpochMs);
      const progress = setInterval(() => {
        const t = handle.totals();
        options.log(`  webrtc ${options.participants}: ${((Date.now() - runStartEpochMs) / 1000).toFixed(0)}s, ${t.packetsSent} sent, ${probe.live().packetsReceived} received`);
      }, 5_000);
      try {
        await handle.finished();
      } finally {
        clearInterval(progress);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      const totals = handle.totals();
      const report = probe.report(Math.ceil(plan.durationMs / 1000));
      const got = {
        received: report.streams.reduce((sum, s) => sum + s.totals.received, 0),
        bytes: report.streams.reduce((sum, s) => sum + s.totals.bytes, 0),
        io: session.io,
        kernelDrops: report.kernelDrops ?? null,
        // The WebRTC probe is one receiver fed by the sessions.
        shards: 1,
      };
      const kernelAfter = udpKernelCounters();
      const probeCpu = process.cpuUsage(cpuBefore);
      const paths = session.mediaPaths();
      const reasons = [...paths.reasons, ...(totals.webrtcMedia?.reasons ?? [])];
      if (reasons.length > 0) options.log(`avcm bench: WebRTC sessions on werift's path or not measured (${paths.broken} at the probe): ${reasons.join('; ')}`);
      return figures({ options, transport: 'webrtc', receiver: 'probe', feedback, simulcast, plan, rates, totals, got, kernelBefore, kernelAfter, probeCpu, runStartEpochMs, launchedAt });
    } finally {
      await handle.stop();
    }
  } finally {
    await session.close();
  }
}

/** What one pass measured, from the engines' totals and what the receiver got. */
function figures(p: {
  options: BenchOptions;
  transport: 'udp' | 'webrtc';
  receiver: 'probe' | 'sink';
  feedback: boolean;
  simulcast: boolean;
  plan: Plan;
  rates: { packetsPerS: number; bitsPerS: number };
  totals: EngineTotals;
  got: { received: number; bytes: number; io: string | null; kernelDrops: number | null; shards: number | null };
  kernelBefore: ReturnType<typeof udpKernelCounters>;
  kernelAfter: ReturnType<typeof udpKernelCounters>;
  probeCpu: NodeJS.CpuUsage;
  runStartEpochMs: number;
  launchedAt: number;
}): BenchFigures {
  const { options, feedback, simulcast, plan, rates, totals, got, kernelBefore, kernelAfter, probeCpu, runStartEpochMs, launchedAt } = p;
  const received = got.received;
  const bytesReceived = got.bytes;
  const durationS = plan.durationMs / 1000;
  const lateness = new LatenessHistogram();
  lateness.merge(totals.lateness);
  const targetPackets = rates.packetsPerS * options.participants;
  const cpuMs = totals.processes ? totals.processes.cpuMs + (probeCpu.user + probeCpu.system) / 1000 : null;
  const rssBytes = totals.processes ? totals.processes.rssBytes + process.memoryUsage.rss() : null;
  return {
    engine: options.engine,
    transport: p.transport,
    receiver: p.receiver,
    feedback,
    io_engines: totals.io,
    io_probe: got.io,
    probe_shards: got.shards,
    simulcast,
    participants: options.participants,
    packets_per_s_per_participant: round(rates.packetsPerS),
    partitions: plan.partitions,
    duration_s: durationS,
    target_packets_per_s: round(targetPackets),
    achieved_packets_per_s: round(received / durationS),
    achieved_ratio: round(received / durationS / targetPackets, 4),
    target_bits_per_s: round(rates.bitsPerS * options.participants),
    achieved_bits_per_s: round((bytesReceived * 8) / durationS),
    packets_sent: totals.packetsSent,
    packets_received: received,
    loss_percent: totals.packetsSent > 0 ? round((100 * Math.max(0, totals.packetsSent - received)) / totals.packetsSent, 4) : 0,
    kernel_rcvbuf_errors: kernelBefore && kernelAfter ? kernelAfter.rcvbufErrors - kernelBefore.rcvbufErrors : null,
    kernel_sndbuf_errors: kernelBefore && kernelAfter ? kernelAfter.sndbufErrors - kernelBefore.sndbufErrors : null,
    kernel_drops: got.kernelDrops,
    send_dropped: totals.sendDropped,
    lateness_p50_ms: round(lateness.quantileMs(0.5), 2),
    lateness_p99_ms: round(lateness.quantileMs(0.99), 2),
    lateness_max_ms: round(lateness.maxMs, 2),
    event_loop_delay_p99_ms: totals.processes ? round(totals.processes.eventLoopDelayP99Ms, 2) : null,
    cpu_seconds_per_1k_packets: cpuMs !== null && totals.packetsSent > 0 ? round(cpuMs / totals.packetsSent, 4) : null,
    participants_per_core: cpuMs !== null && cpuMs > 0 ? round(options.participants / (cpuMs / 1000 / durationS), 1) : null,
    engine_cpu_us_per_packet: totals.processes && totals.packetsSent > 0 ? round((totals.processes.cpuMs * 1000) / totals.packetsSent, 2) : null,
    probe_cpu_us_per_packet: received > 0 ? round(((probeCpu.user + probeCpu.system) / received), 2) : null,
    rss_mb_per_participant: rssBytes !== null ? round(rssBytes / 1e6 / options.participants, 3) : null,
    first_packet_ms: totals.firstPacketMs !== null ? round(runStartEpochMs + totals.firstPacketMs - launchedAt) : null,
    send_errors: totals.sendErrors,
  };
}

function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Whether a pass meets the performance goal's targets. Sent and measured: achieved >= 99 %, loss <
 * 0.1 %, p99 lateness < 5 ms, RSS < 0.5 MB per participant, first packet < 1 s. Send only (a
 * counting sink): achieved >= 99 % and p99 lateness < 5 ms.
 */
export function meetsTargets(f: BenchFigures): boolean {
  if (f.receiver === 'sink') return f.achieved_ratio >= 0.99 && f.lateness_p99_ms < 5;
  return (
    f.achieved_ratio >= 0.99 &&
    f.loss_percent < 0.1 &&
    f.lateness_p99_ms < 5 &&
    (f.rss_mb_per_participant ?? Infinity) < 0.5 &&
    (f.first_packet_ms ?? Infinity) < 1000
  );
}

export function defaultPartitions(): number {
  return os.availableParallelism();
}
