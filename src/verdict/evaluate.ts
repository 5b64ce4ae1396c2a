import { homeLayer, layerResults, layerSwitches, layerSwitchMs } from './layer-switches.js';
import { estimateMos, SILENCE_MIN_MS } from '../probe/index.js';
import type { ProbeReport, StreamReport, WindowStats } from '../probe/types.js';
import { isSutSpike, isViewerSide, type Plan, type PlannedSpike } from '../plan/types.js';
import { METRIC_NAMES } from '../result/index.js';
import type { AssertionResult, MetricValues, ReconnectResult, RunIo, RunResult, Scope, SenderTotals, SpikeWindow, StreamResult, SutEventResult, TimelinePoint } from '../result/types.js';
import type { SenderStreamReport } from '../session/index.js';
import type { AssertionSpec } from '../scenario/scenario.js';
import type { SutActionRecord } from '../sut/types.js';
import type { ReconnectRecord } from '../webrtc/reconnect-record.js';
import { mergeRenumberedStreams, type MergedStream } from './merge-streams.js';
import { outageSeconds, reconnectSeconds, type ReconnectFigure, type RelativeReconnect, type SutSpikeOutcome } from './recovery-metrics.js';
import { AVCM_VERSION } from '../version.js';
import { evaluateAssertions, type AssertionHealth, type BaselineReference } from './evaluate-assertions.js';
import { GeneratorHealth, OVERLOAD_HINT, type GeneratorHealthInput } from './generator-health.js';
import { scopeMetrics } from './metrics.js';
import { spikeTailMs } from './spike-tail.js';
import { summarizeStreams } from './summary.js';

/** Everything the verdict reads; nothing in it is taken from injected settings except spike windows. */
export interface VerdictInput {
  plan: Plan;
  /** The scenario's assertions, already parsed. */
  assertions: AssertionSpec[];
  /** Scenario file path as given, or null for an inline scenario (REST). */
  file: string | null;
  /** What the receive-side probe measured. */
  probe: ProbeReport;
  /** Where participants sent, for display (e.g. `udp://127.0.0.1:5002`). */
  target: string;
  startedAt: Date;
  finishedAt: Date;
  /** Packets the engines sent, when known. */
  packetsSent: number | null;
  /** Failed sends at the participants' sockets and, of those, the ones the target refused; unset when not known. */
  sendErrors?: { errors: number; refused: number };
  /** What each sending stream's session measured (round trip, NACKs and PLIs it received); empty without RTCP. */
  senders?: readonly SenderStreamReport[];
  /** Partition (pod) restarts reported by the backend. */
  restarts: { partition: number; count: number }[];
  /** The I/O the engines reported using (null: unknown); the probe's comes from its report (WebRTC when the plan says so). */
  engineIo?: RunIo['engines'];
  /** The probe's I/O when its owner knows better than its report (the WebRTC probe: `webrtc` or `webrtc-batched`). */
  probeIo?: RunIo['probe'];
  /** WebRTC on the batched layer: where the sessions' media ran. */
  webrtcMedia?: RunIo['webrtcMedia'];
  /** The run relative assertions (`avg >= baseline - 0.1`) compare with (`avcm test --baseline`). */
  baseline?: BaselineReference | null;
  /** A relative assertion without a baseline run: fails (default) or is skipped (`--baseline-optional`). */
  relativeWithoutBaseline?: 'fail' | 'skip';
  /** What the `sut_*` spikes' driver did (epoch times); empty without them. */
  sutActions?: readonly SutActionRecord[];
  /** Lost WebRTC sessions of participants and of the probe's subscriptions, and how they came back (epoch times). */
  reconnects?: readonly ReconnectRecord[];
  /**
   * The load generator's own health (the scenario's limits, each partition's and the probe's
   * windows); without it every assertion is judged as measured.
   */
  health?: GeneratorHealthInput | null;
  /** Overrides the verdict: an interrupted or failed run is never `passed`. */
  status?: 'aborted' | 'error';
  /** The AvcmError code of an `error` run (E_BACKEND, E_NETWORK, ...). */
  errorCode?: string;
  errorMessage?: string;
}

/** Recovery: a window is back to baseline when loss <= baseline + 1 point and jitter <= 1.5 x baseline + 2 ms. */
const RECOVERY_LOSS_POINTS = 1;
const RECOVERY_JITTER_FACTOR = 1.5;
const RECOVERY_JITTER_MS = 2;

/** A sending stream's whole-run figures for the report (a run result's `streams[].sender`, `avcm send --json`). */
export function senderTotals(sender: SenderStreamReport): SenderTotals {
  const t = sender.totals;
  return {
    rttMs: t.rttSamples > 0 ? round(t.rttMsSum / t.rttSamples) : null,
    nacksReceived: t.nacksReceived,
    packetsNacked: t.packetsNacked,
    retransmissionsSent: t.retransmissionsSent,
    plisReceived: t.plisReceived,
    firsReceived: t.firsReceived,
    keyframesSent: t.keyframesSent,
    keyframeResponseMs: t.keyframesSent > 0 ? round(t.keyframeResponseMsSum / t.keyframesSent) : null,
  };
}

interface StreamContext {
  report: MergedStream;
  participantId: number | null;
  result: StreamResult;
  /** Spikes targeting this stream's participant. */
  spikes: PlannedSpike[];
  /** The sending participant's figures for this medium, when it ran the feedback loop. */
  sender: SenderStreamReport | null;
  /** reconnect_seconds per scope, with whether a rejoin never succeeded (which fails the assertion). */
  reconnect: Record<Scope, ReconnectFigure>;
  /** The partition that sent it (null: not a planned participant's), and each scope's run windows, for the generator's health. */
  partition: number | null;
  scopeWindows: Record<Scope, number[]>;
}

function overlaps(window: WindowStats, windowMs: number, spike: PlannedSpike): boolean {
  const start = window.index * windowMs;
  return start < spike.endMs && start + windowMs > spike.startMs;
}

/** Clock alignment between engine processes and the probe, and packet transit: a spike's edges are this fuzzy. */
const EDGE_GUARD_MS = 100;

/**
 * Whether a window is near enough to a spike to feel it, so it belongs to no baseline: the spike
 * window widened by EDGE_GUARD_MS on both sides, plus what the spike itself holds back past its
 * end (a jitter spike's base + 3 sigma, a bandwidth queue's bound, a trace's delay and queue).
 */
function nearSpike(window: WindowStats, windowMs: number, spike: PlannedSpike): boolean {
  const start = window.index * windowMs;
  const tail = spikeTailMs(spike);
  return start < spike.endMs + EDGE_GUARD_MS + tail && start + windowMs > spike.startMs - EDGE_GUARD_MS;
}

/**
 * The verdict, called once after a run: turns what the probe MEASURED and the plan's spike windows
 * into the RunResult every reporter renders. Pure (no I/O, no clock).
 *
 * Rules:
 * - Streams map to participants by the participant-id header extension, else by looking the SSRC
 *   up in the plan (videoSsrc/audioSsrc, simulcast layers). Streams that map to no planned participant are reported
 *   in `streams` but are never assertion samples.
 * - Scopes, per participant: `during_spikes` = windows overlapping any spike that targets the
 *   participant; `baseline` = windows overlapping none, widened by a guard band (100 ms of clock
 *   skew plus what the spike holds back past its end: jitter base + 3 sigma, a bandwidth queue)
 *   so a spike's tail never counts as baseline; `whole` = all `probe.windowCount` windows. Rates
 *   use each window's true length: the last one may be partial (durationMs - (n-1) * windowMs).
 * - Per stream per scope (see {@link scopeMetrics}): loss % = 100 * sum(lost) / sum(expected);
 *   jitter ms = mean of the windows' jitter (windows with packets); delay ms = received-weighted
 *   mean of the windows' mean delay (null if no packet carried abs-send-time); bitrate kbit/s =
 *   sum(bytes) * 8 / s / 1000; frame rate = sum(frames) / s (video only); MOS = E-model of those.
 * - Samples per metric: loss, jitter, delay and MOS take every stream (video and audio);
 *   bitrate_kbps and frame_rate_fps take the video streams (bitrate takes the audio streams when
 *   the run has no video).
 * - An assertion takes the stat (avg, min, max, or pNN: linear interpolation between closest
 *   ranks, numpy's default "R-7") across the non-null samples and compares it with the threshold.
 *   No samples = failed ("no samples in scope ..."): a gate must not pass on nothing.
 * - recovery_seconds, per spike and per stream of each targeted participant: seconds from the
 *   spike end to the start of the first window starting at/after the end whose loss <= baseline
 *   loss + 1 percentage point and jitter <= 1.5 x baseline jitter + 2 ms. A pair that never
 *   recovers within the run is null and fails the assertion.
 * - Streams of one participant and medium that arrived under several SSRCs (an SFU restart gives
 *   what it forwards new SSRCs) are joined into one before anything else (see merge-streams.ts).
 * - outage_seconds, per stream per scope: the longest span without any of its packets at the probe
 *   (shorter than max(0.2 s, three packet intervals) = 0) that overlaps the scope's windows.
 * - reconnect_seconds, per stream per scope: over the `sut_*` spikes in the scope, the longest time
 *   from the SUT being back (its spike's last driver action ended) to the participant's session
 *   up again; 0 when it never lost it. A participant that never rejoined fails the assertion.
 * - Timeline: per window, over all streams: loss % (sum lost / sum expected), mean jitter, mean
 *   delay, the MOS of those, total kbit/s, packets/s, and how many spikes overlap the window.
 * - Generator health (see GeneratorHealth): an assertion that depends on a window in which a
 *   partition whose streams it samples, or the probe, was unhealthy is `inconclusive` (neither
 *   passed nor failed); the windows it depends on are those of its scope, on the run's window
 *   grid (whole: every window; during_spikes / baseline: as above, per participant).
 * - Status: `failed` if an assertion failed; else `inconclusive` (E_GENERATOR_OVERLOAD) if one
 *   was; else `passed` (every assertion passed or was skipped). An `aborted` or `error` override always wins.
 */
export function buildRunResult(input: VerdictInput): RunResult {
  const { plan, probe } = input;
  const windowMs = probe.windowMs;
  const windowCount = probe.windowCount;
  const durationMs = Math.min(plan.durationMs, windowCount * windowMs);
  const windowLengthMs = (index: number): number => Math.max(0, Math.min(windowMs, durationMs - index * windowMs)) || windowMs;
  const bySsrc = new Map<number, number>();
  for (const p of plan.participants) {
    if (p.videoSsrc !== null) bySsrc.set(p.videoSsrc, p.id);
    if (p.audioSsrc !== null) bySsrc.set(p.audioSsrc, p.id);
    for (const layer of p.videoLayers ?? []) bySsrc.set(layer.ssrc, p.id);
  }
  const known = new Set(plan.participants.map((p) => p.id));
  const partitionOf = new Map(plan.participants.map((p) => [p.id, p.partition]));
  const generator = input.health ? new GeneratorHealth(input.health, windowCount) : null;
  // The run's window grid: a scope's windows are judged for health whether or not a stream had packets in them.
  const runWindows = Array.from({ length: windowCount }, (_, index) => ({ index }) as WindowStats);
  // Sender figures belong to the stream with their SSRC (each simulcast layer has its own); through
  // an SFU the probe sees other SSRCs, and then to the participant's medium: its first stream, a
  // simulcast publisher's top layer (what an SFU forwards by default).
  const senders = new Map<string, SenderStreamReport>();
  const sendersBySsrc = new Map<number, SenderStreamReport>();
  for (const sender of input.senders ?? []) {
    const key = `${sender.participantId}:${sender.media}`;
    if (!senders.has(key)) senders.set(key, sender);
    sendersBySsrc.set(sender.ssrc, sender);
  }

  // SUT actions and reconnects on the run's clock (ms since the run start).
  const relative = (epochMs: number): number => Math.round(epochMs - probe.runStartEpochMs);
  const sutOutcomes = sutSpikeOutcomes(input.sutActions ?? [], relative);
  const participantReconnects: RelativeReconnect[] = (input.reconnects ?? [])
    .filter((r) => r.side === 'participant')
    .map((r) => ({ participantId: r.participantId, lostAtMs: relative(r.lostAtEpochMs), rejoinedAtMs: r.rejoinedAtEpochMs === null ? null : relative(r.rejoinedAtEpochMs) }));
  // Shorter than three packet intervals is packet spacing, not an outage (a 1 fps video sends one frame a second).
  const outageMinMs = (media: StreamReport['media']): number =>
    Math.max(SILENCE_MIN_MS, 3 * (media === 'video' ? 1000 / (plan.media.video?.fps ?? 30) : (plan.media.audio?.ptimeMs ?? 20)));

  const viewerIndex = new Map((plan.viewers ?? []).map((v) => [v.name, v.index]));
  const contexts: StreamContext[] = mergeRenumberedStreams(probe.streams).map((report) => {
    const id = report.participantId ?? bySsrc.get(report.ssrc) ?? null;
    const participantId = id !== null && known.has(id) ? id : null;
    // The viewer that received this copy (0: the probe's one viewer); a downlink spike or layer_switch on another viewer never touched it.
    const viewer = report.viewerName === undefined ? 0 : (viewerIndex.get(report.viewerName) ?? 0);
    const spikes = participantId === null ? [] : plan.spikes.filter((s) => s.participantIds.includes(participantId) && (!isViewerSide(s) || (s.viewerIds ?? [0]).includes(viewer)));
    const sender = participantId === null ? null : (sendersBySsrc.get(report.ssrc) ?? senders.get(`${participantId}:${report.media}`) ?? null);
    const windows = report.windows.slice(0, windowCount);
    const during = windows.filter((w) => spikes.some((s) => overlaps(w, windowMs, s)));
    const baseline = windows.filter((w) => !spikes.some((s) => nearSpike(w, windowMs, s)));
    const sutSpikes = spikes.filter((s) => isSutSpike(s.type));
    const reconnectIn = (scope: readonly WindowStats[]): ReconnectFigure =>
      participantId === null ? { seconds: null, never: false } : reconnectSeconds(participantId, sutSpikes.filter((s) => scope.some((w) => overlaps(w, windowMs, s))), sutOutcomes, participantReconnects);
    const reconnect: Record<Scope, ReconnectFigure> = { whole: reconnectIn(windows), during_spikes: reconnectIn(during), baseline: reconnectIn(baseline) };
    const metricsOf = (scope: readonly WindowStats[], figure: ReconnectFigure): MetricValues => ({
      ...scopeMetrics(report, scope, windowLengthMs, sender),
      outage_seconds: outageSeconds(report, scope, windowMs, durationMs, outageMinMs(report.media)),
      reconnect_seconds: figure.seconds,
      layer_switches: layerSwitches(report, scope, windowMs, homeLayer(plan, viewer)),
      layer_switch_ms: layerSwitchMs(report, spikes, plan, scope, windowMs, durationMs, viewer),
    });
    const baselineMetrics = metricsOf(baseline, reconnect.baseline);
    const result: StreamResult = {
      participantId: id,
      ssrc: report.ssrc,
      ...(report.ssrcs.length > 1 ? { ssrcs: report.ssrcs } : {}),
      ...(report.rid !== undefined ? { rid: report.rid } : {}),
      ...(report.viewerName !== undefined ? { viewer: report.viewerName } : {}),
      media: report.media,
      whole: metricsOf(windows, reconnect.whole),
      duringSpikes: metricsOf(during, reconnect.during_spikes),
      baseline: baselineMetrics,
      recoverySeconds: spikes.map((s) => recoverySeconds(windows, windowMs, s, baselineMetrics)),
      ...layerResults(report, plan, { whole: windows, duringSpikes: during, baseline }, (scope) => metricsOf(scope, { seconds: null, never: false })),
      received: report.totals.received,
      lost: report.totals.lost,
      sender: sender ? senderTotals(sender) : null,
    };
    const scopeWindows: Record<Scope, number[]> = {
      whole: runWindows.map((w) => w.index),
      during_spikes: runWindows.filter((w) => spikes.some((s) => overlaps(w, windowMs, s))).map((w) => w.index),
      baseline: runWindows.filter((w) => !spikes.some((s) => nearSpike(w, windowMs, s))).map((w) => w.index),
    };
    return { report, participantId, result, spikes, sender, reconnect, partition: participantId === null ? null : (partitionOf.get(participantId) ?? null), scopeWindows };
  });

  // Assertion samples are the streams of planned participants; stray streams are only reported.
  const participantStreams = contexts.filter((c) => c.participantId !== null).map((c) => c.result);
  const neverRejoinedIn = (scope: Scope): number[] => [...new Set(contexts.filter((c) => c.participantId !== null && c.reconnect[scope].never).map((c) => c.participantId!))];
  const neverRejoined = { whole: neverRejoinedIn('whole'), during_spikes: neverRejoinedIn('during_spikes'), baseline: neverRejoinedIn('baseline') };
  const byResult = new Map(contexts.map((c) => [c.result, c]));
  const health: AssertionHealth | null = generator && {
    generator,
    dependencyOf: (stream, scope) => {
      const c = byResult.get(stream)!;
      return { partition: c.partition, windows: c.scopeWindows[scope] };
    },
  };
  // A stream without a viewer label is the probe's one viewer's (index 0, as in its spike scoping above).
  const soleViewer = plan.viewers?.[0]?.name ?? null;
  const assertions: AssertionResult[] = evaluateAssertions(input.assertions, participantStreams, input.baseline ?? null, input.relativeWithoutBaseline, neverRejoined, health, soleViewer);

  const timeline = buildTimeline(contexts, plan.spikes, windowCount, windowMs, windowLengthMs);
  if (generator) timeline.forEach((point, i) => Object.assign(point, generator.timelineFields(i)));
  const spikes: SpikeWindow[] = plan.spikes.map((s) => ({
    id: s.id,
    type: s.type,
    startMs: s.startMs,
    endMs: s.endMs,
    participantIds: s.participantIds,
    params: Object.fromEntries(Object.entries(s.params).filter(([, v]) => v !== undefined)) as Record<string, number | string>,
  }));
  const totals = probe.streams.reduce(
    (t, s) => ({ received: t.received + s.totals.received, lost: t.lost + s.totals.lost, bytes: t.bytes + s.totals.bytes }),
    { received: 0, lost: 0, bytes: 0 },
  );
  const failed = assertions.some((a) => !a.passed && !a.skipped && !a.inconclusive);
  const inconclusive = assertions.filter((a) => a.inconclusive);
  const status = input.status ?? (failed ? 'failed' : inconclusive.length > 0 ? 'inconclusive' : 'passed');
  const overload =
    status === 'inconclusive' && generator
      ? `${inconclusive.length} of ${assertions.length} assertion${assertions.length === 1 ? '' : 's'} inconclusive: the load generator was overloaded in windows ${inconclusive.length === 1 ? 'it depends' : 'they depend'} on: ${generator.describe(GeneratorHealth.union(inconclusive.map((a) => a.inconclusive!)))} (hint: ${OVERLOAD_HINT})`
      : null;
  const viewerTotal = (field: 'nacksSent' | 'retransmittedPackets' | 'packetsRecovered' | 'plisSent' | 'freezes' | 'freezeMs'): number => probe.streams.reduce((sum, st) => sum + (st.viewer?.totals[field] ?? 0), 0);
  const senderTotal = (field: 'nacksReceived' | 'retransmissionsSent' | 'plisReceived' | 'firsReceived' | 'keyframesSent'): number => (input.senders ?? []).reduce((sum, st) => sum + st.totals[field], 0);
  const hasFeedback = probe.streams.some((st) => st.viewer !== null) || (input.senders ?? []).length > 0;
  return {
    resultVersion: 1,
    scenario: plan.scenario,
    description: plan.description,
    file: input.file,
    status,
    errorMessage: input.errorMessage ?? overload,
    errorCode: input.status === 'error' ? (input.errorCode ?? null) : status === 'inconclusive' ? 'E_GENERATOR_OVERLOAD' : null,
    seed: plan.seed,
    backend: plan.backend,
    transport: plan.transport,
    participants: plan.participants.length,
    partitions: plan.partitions,
    target: input.target,
    io: { engines: input.engineIo ?? null, probe: input.probeIo ?? probe.io ?? (plan.transport === 'webrtc' ? 'webrtc' : null), ...(input.webrtcMedia ? { webrtcMedia: input.webrtcMedia } : {}) },
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    plannedDurationMs: plan.durationMs,
    measuredDurationMs: durationMs,
    assertions,
    summary: summarizeStreams(participantStreams),
    baselineRun: input.baseline
      ? { report: input.baseline.report, scenario: input.baseline.result.scenario, startedAt: input.baseline.result.startedAt, status: input.baseline.result.status, avcmVersion: input.baseline.result.avcmVersion }
      : null,
    spikes,
    timeline,
    streams: contexts.map((c) => roundStream(c.result)),
    totals: {
      packetsSent: input.packetsSent,
      sendErrors: input.sendErrors?.errors ?? null,
      sendRefused: input.sendErrors?.refused ?? null,
      packetsReceived: totals.received,
      packetsLost: totals.lost,
      bytesReceived: totals.bytes,
      malformedPackets: probe.malformedPackets,
      kernelRcvbufErrors: probe.kernelRcvbufErrors,
      kernelDrops: probe.kernelDrops ?? null,
      feedback: hasFeedback
        ? {
            nacksSent: viewerTotal('nacksSent'),
            retransmissionsReceived: viewerTotal('retransmittedPackets'),
            packetsRecovered: viewerTotal('packetsRecovered'),
            plisSent: viewerTotal('plisSent'),
            freezes: viewerTotal('freezes'),
            freezeMs: round(viewerTotal('freezeMs')),
            senderNacksReceived: senderTotal('nacksReceived'),
            senderRetransmissionsSent: senderTotal('retransmissionsSent'),
            senderPlisReceived: senderTotal('plisReceived'),
            senderFirsReceived: senderTotal('firsReceived'),
            senderKeyframesSent: senderTotal('keyframesSent'),
          }
        : null,
    },
    restarts: input.restarts,
    sutEvents: (input.sutActions ?? []).map((a): SutEventResult => ({
      spikeId: a.spikeId,
      type: a.spikeType,
      driver: a.driver,
      action: a.action,
      phase: a.phase,
      detail: a.detail,
      startMs: relative(a.startedAtEpochMs),
      endMs: relative(a.endedAtEpochMs),
      ok: a.ok,
      exitCode: a.exitCode,
      output: a.output,
      error: a.error,
    })),
    reconnects: (input.reconnects ?? [])
      .map((r): ReconnectResult => ({
        side: r.side,
        participantId: r.participantId,
        reason: r.reason,
        lostAtMs: relative(r.lostAtEpochMs),
        rejoinedAtMs: r.rejoinedAtEpochMs === null ? null : relative(r.rejoinedAtEpochMs),
        attempts: r.attempts,
        error: r.error,
      }))
      .sort((a, b) => a.lostAtMs - b.lostAtMs || a.participantId - b.participantId),
    ...(generator ? { health: generator.result() } : {}),
    avcmVersion: AVCM_VERSION,
  };
}

/** Each `sut_*` spike that ran: its first action's start and its last action's end (the SUT back, as far as its driver can tell). */
function sutSpikeOutcomes(actions: readonly SutActionRecord[], relative: (epochMs: number) => number): Map<string, SutSpikeOutcome> {
  const outcomes = new Map<string, SutSpikeOutcome>();
  for (const action of actions) {
    const start = relative(action.startedAtEpochMs);
    const end = relative(action.endedAtEpochMs);
    const known = outcomes.get(action.spikeId);
    outcomes.set(action.spikeId, { spikeId: action.spikeId, startedAtMs: Math.min(known?.startedAtMs ?? start, start), backAtMs: Math.max(known?.backAtMs ?? end, end) });
  }
  return outcomes;
}

/** Seconds from the spike's end to the start of the first window (at/after the end) within baseline; null if none. */
function recoverySeconds(windows: readonly WindowStats[], windowMs: number, spike: PlannedSpike, baseline: MetricValues): number | null {
  const baseLoss = baseline.packet_loss_percent ?? 0;
  const baseJitter = baseline.jitter_ms ?? 0;
  for (const w of windows) {
    const start = w.index * windowMs;
    if (start < spike.endMs) continue;
    // A window that expected nothing (stream paused or gone) proves nothing either way.
    if (w.expected === 0) continue;
    const loss = (100 * w.lost) / w.expected;
    if (loss <= baseLoss + RECOVERY_LOSS_POINTS && w.jitterMs <= RECOVERY_JITTER_FACTOR * baseJitter + RECOVERY_JITTER_MS) {
      return round((start - spike.endMs) / 1000);
    }
  }
  return null;
}

function buildTimeline(contexts: StreamContext[], spikes: PlannedSpike[], windowCount: number, windowMs: number, windowLengthMs: (i: number) => number): TimelinePoint[] {
  const points: TimelinePoint[] = [];
  const streams = contexts.map((c) => c.report);
  const viewers = streams.filter((s) => s.viewer !== null);
  const senders = contexts.map((c) => c.sender).filter((s): s is SenderStreamReport => s !== null);
  const column = (s: StreamReport, field: 'packetsSettled' | 'packetsMissingAtPlayout' | 'freezes' | 'nacksSent' | 'plisSent', i: number): number => s.viewer!.windows[field][i] ?? 0;
  for (let i = 0; i < windowCount; i++) {
    let expected = 0;
    let lost = 0;
    let bytes = 0;
    let received = 0;
    let jitterSum = 0;
    let jitterCount = 0;
    let delaySum = 0;
    let delayCount = 0;
    for (const s of streams) {
      const w = s.windows[i];
      if (!w) continue;
      expected += w.expected;
      lost += w.lost;
      bytes += w.bytes;
      received += w.received;
      if (w.received > 0) {
        jitterSum += w.jitterMs;
        jitterCount++;
      }
      if (w.delayMsAvg !== null) {
        delaySum += w.delayMsAvg;
        delayCount++;
      }
    }
    const seconds = windowLengthMs(i) / 1000;
    const loss = expected > 0 ? (100 * lost) / expected : null;
    const jitter = jitterCount > 0 ? jitterSum / jitterCount : null;
    const delay = delayCount > 0 ? delaySum / delayCount : null;
    const start = i * windowMs;
    const viewer = viewerPoint(i);
    // As the whole-run MOS: what a listener hears is the loss left at playout when the viewer model ran.
    const heardLoss = viewer.residualLossPercent ?? loss;
    points.push({
      t: start / 1000,
      packetLossPercent: loss === null ? null : round(loss),
      jitterMs: jitter === null ? null : round(jitter),
      mos: heardLoss === null || jitter === null ? null : round(estimateMos({ oneWayDelayMs: delay ?? 0, jitterMs: jitter, lossPercent: heardLoss })),
      bitrateKbps: round((bytes * 8) / seconds / 1000),
      delayMs: delay === null ? null : round(delay),
      packetsPerSecond: round(received / seconds),
      activeSpikes: spikes.filter((s) => start < s.endMs && start + windowMs > s.startMs).length,
      ...viewer,
      rttMs: rttAt(i),
    });
  }
  return points;

  function viewerPoint(i: number): Pick<TimelinePoint, 'residualLossPercent' | 'freezes' | 'nacks' | 'plis'> {
    if (viewers.length === 0) return { residualLossPercent: null, freezes: null, nacks: null, plis: null };
    let settled = 0;
    let missing = 0;
    let freezes = 0;
    let nacks = 0;
    let plis = 0;
    for (const s of viewers) {
      settled += column(s, 'packetsSettled', i);
      missing += column(s, 'packetsMissingAtPlayout', i);
      freezes += column(s, 'freezes', i);
      nacks += column(s, 'nacksSent', i);
      plis += column(s, 'plisSent', i);
    }
    return { residualLossPercent: settled > 0 ? round((100 * missing) / settled) : null, freezes, nacks, plis };
  }

  function rttAt(i: number): number | null {
    let sum = 0;
    let samples = 0;
    for (const s of senders) {
      sum += s.windows.rttMsSum[i] ?? 0;
      samples += s.windows.rttSamples[i] ?? 0;
    }
    return samples > 0 ? round(sum / samples) : null;
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function roundValues(values: MetricValues): MetricValues {
  const out = {} as MetricValues;
  for (const metric of METRIC_NAMES) out[metric] = values[metric] === null ? null : round(values[metric]!);
  return out;
}

function roundStream(s: StreamResult): StreamResult {
  return { ...s, whole: roundValues(s.whole), duringSpikes: roundValues(s.duringSpikes), baseline: roundValues(s.baseline) };
}
