import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Backend, EngineTotals, RunHandle } from '../backends/backend.js';
import { activeSpikesAt } from '../chaos/index.js';
import { AvcmError, toAvcmError } from '../errors/index.js';
import { chooseIo, ioFallbackNotice, ioRequest, type IoRequest } from '../io/index.js';
import { prepareMediaFiles } from '../media/index.js';
import { compile } from '../plan/index.js';
import { deriveSeed } from '../plan/rng.js';
import type { Plan, PlannedSpike } from '../plan/types.js';
import { isLocalHost } from '../ports/index.js';
import { openProbe, probeFeedbackOptions, ProbeReceiver, ShardedProbe, ViewerProbes, type RunningProbe } from '../probe/index.js';
import type { ProbeReport } from '../probe/types.js';
import { ReportWriteError, writeReports } from '../../reporters/index.js';
import type { RunResult, WebRtcMediaSummary } from '../result/types.js';
import type { WebRtcMediaPaths } from '../engine/index.js';
import { buildRunResult } from '../verdict/index.js';
import type { ProbeSubscriptions, SfuAdapter } from '../sfu/index.js';
import { SutTimeline } from '../sut/index.js';
import { DEFAULTS } from '../scenario/defaults.js';
import { formatUdpUrl, parseDurationMs } from '../scenario/units.js';
import { applyOverrides } from './apply-overrides.js';
import type { LiveSpike, RunOutcome, RunProgress, RunRequest, RunningRun } from './types.js';

/** Lead time of a live spike, so every partition has it before it starts. */
const LIVE_SPIKE_LEAD_MS = 100;
/** Time between "all partitions ready" and frame 0: the start message reaches every partition first. */
const START_LEAD_MS = 300;
/** After the engines finish, packets still in flight (jitter, queues) get this long to arrive. */
const ARRIVAL_GRACE_MS = 500;

export interface RunContext {
  backends: Record<string, (context: { baseDir: string; env: NodeJS.ProcessEnv }) => Backend>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  log(line: string): void;
  cores?: number;
}

/**
 * One scenario run: overrides -> plan -> media -> probe -> backend -> verdict -> reports. The
 * steps only ever pass data forward; the verdict sees the probe's measurements and the plan's
 * spike windows, never the injected settings as results.
 */
export class ScenarioRun implements RunningRun {
  readonly id: string;
  readonly done: Promise<RunOutcome>;
  private state: RunProgress['state'] = 'starting';
  private plan: Plan | null = null;
  private handle: RunHandle | null = null;
  private probe: RunningProbe | null = null;
  private runStartEpochMs: number | null = null;
  private stopReason: 'SIGINT' | 'SIGTERM' | 'cancelled' | null = null;
  private readonly abort = new AbortController();
  private readonly liveSpikes: PlannedSpike[] = [];
  private lastPackets = { atMs: 0, packets: 0, rate: 0 };
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly externalSignaling = new PendingOffers();
  /** The built-in WebRTC probe's sessions: one per viewer it plays (one without an SFU or `viewers:`); empty otherwise. */
  private webrtcSessions: { index: number; name: string | null; session: import('../webrtc/index.js').WebRtcProbeSession }[] = [];

  constructor(
    private readonly request: RunRequest,
    private readonly context: RunContext,
  ) {
    this.id = request.id ?? randomBytes(6).toString('hex');
    this.done = this.execute();
  }

  progress(): RunProgress {
    const plan = this.plan;
    const totals = this.handle?.totals();
    const elapsedMs = this.runStartEpochMs === null ? 0 : Math.max(0, Date.now() - this.runStartEpochMs);
    const packetsSent = totals?.packetsSent ?? 0;
    if (elapsedMs - this.lastPackets.atMs >= 900) {
      this.lastPackets = { atMs: elapsedMs, packets: packetsSent, rate: ((packetsSent - this.lastPackets.packets) * 1000) / Math.max(1, elapsedMs - this.lastPackets.atMs) };
    }
    const live = this.probe?.live();
    return {
      state: this.state,
      elapsedMs: plan ? Math.min(elapsedMs, plan.durationMs) : 0,
      durationMs: plan?.durationMs ?? this.request.scenario.durationMs,
      participants: plan?.participants.length ?? this.request.scenario.participants.count,
      packetsSent,
      bytesSent: totals?.bytesSent ?? 0,
      packetsPerSecond: Math.round(this.lastPackets.rate),
      sendErrors: totals?.sendErrors ?? 0,
      sendRefused: totals?.sendRefused ?? 0,
      activeSpikes: plan ? activeSpikesAt([...plan.spikes, ...this.liveSpikes], elapsedMs) : [],
      measured: live && live.windowIndex >= 0 ? { packetsReceived: live.packetsReceived, lossPercent: live.lossPercent, jitterMs: live.jitterMs, mos: live.mos } : null,
      viewer: live?.viewer && live.windowIndex >= 0 ? { ...live.viewer } : null,
      sender: plan?.rtcp && totals ? senderProgress(totals) : null,
    };
  }

  injectSpike(spike: LiveSpike): PlannedSpike {
    const plan = this.plan;
    if (!plan || !this.handle || this.runStartEpochMs === null || this.state !== 'running') {
      throw new AvcmError('E_USAGE', `run ${this.id} is not running; spikes can only be injected while it runs`);
    }
    const known = new Set(plan.participants.map((p) => p.id));
    const unknown = spike.participantIds.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new AvcmError('E_USAGE', `participant ids ${unknown.join(', ')} are not in run ${this.id}`);
    const startMs = Math.max(0, Date.now() - this.runStartEpochMs) + LIVE_SPIKE_LEAD_MS;
    const index = this.liveSpikes.length;
    const planned: PlannedSpike = {
      id: `live.${index}`,
      entry: -1,
      type: spike.type,
      startMs: Math.round(startMs),
      endMs: Math.round(startMs + spike.durationMs),
      params: withDefaults(spike, plan),
      participantIds: spike.participantIds.length > 0 ? [...spike.participantIds].sort((a, b) => a - b) : plan.participants.map((p) => p.id),
      seed: deriveSeed(plan.seed, 0x11fe, index),
      placedBy: 'live',
    };
    this.liveSpikes.push(planned);
    this.handle.injectSpike(planned);
    return planned;
  }

  /** REST signaling: the participant's offer, once its engine made one (waits up to 30 s). */
  sdpOffer(participantId: number): Promise<string> {
    if (this.request.signaling !== 'external') return Promise.reject(new AvcmError('E_USAGE', `run ${this.id} answers its WebRTC participants itself (built-in probe)`));
    return this.externalSignaling.offerOf(participantId);
  }

  sdpAnswer(participantId: number, sdp: string): Promise<void> {
    if (this.request.signaling !== 'external') return Promise.reject(new AvcmError('E_USAGE', `run ${this.id} answers its WebRTC participants itself (built-in probe)`));
    return this.externalSignaling.answer(participantId, sdp);
  }

  stop(reason: 'SIGINT' | 'SIGTERM' | 'cancelled'): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.abort.abort();
  }

  private async execute(): Promise<RunOutcome> {
    const startedAt = new Date();
    const scenario = this.request.scenario;
    let result: RunResult;
    try {
      result = await this.measure(startedAt);
    } catch (error) {
      const failure = toAvcmError(error, 'E_RUN');
      result = this.failedResult(startedAt, failure);
      this.context.log(`avcm: ${scenario.name}: error ${failure.code}: ${failure.message}${failure.hint ? `\n  hint: ${failure.hint}` : ''}`);
      if (failure.exitCode === 2) return this.finish(result, 2);
    } finally {
      await this.handle?.stop().catch(() => undefined);
      for (const cleanup of this.cleanups) await cleanup().catch(() => undefined);
      await this.probe?.close().catch(() => undefined);
    }
    if (result.status === 'inconclusive') this.context.log(`avcm: ${scenario.name}: ${result.errorCode}: ${result.errorMessage}`);
    const exitCode =
      result.status === 'passed' ? 0 : result.status === 'failed' ? 1 : result.status === 'aborted' ? (this.stopReason === 'SIGTERM' ? 143 : 130) : 3;
    return this.finish(result, exitCode);
  }

  private async finish(result: RunResult, exitCode: number): Promise<RunOutcome> {
    const reports = this.request.reports;
    const base = path.resolve(this.context.cwd, reports.outDir);
    const files = {
      json: path.resolve(this.context.cwd, reports.json ?? path.join(base, `${result.scenario}.json`)),
      junit: path.resolve(this.context.cwd, reports.junit ?? path.join(base, `${result.scenario}.xml`)),
      html: path.resolve(this.context.cwd, reports.html ?? path.join(base, `${result.scenario}.html`)),
    };
    this.state = 'done';
    try {
      await writeReports(result, files);
    } catch (error) {
      const failure = toAvcmError(error, 'E_REPORT');
      this.context.log(`avcm: ${result.scenario}: error ${failure.code}: ${failure.message}${failure.hint ? `\n  hint: ${failure.hint}` : ''}`);
      const unwritten = error instanceof ReportWriteError ? error.unwritten.map((name) => files[name]) : [files.json, files.junit, files.html];
      // A verdict nobody can read in CI is no verdict: E_REPORT's exit code wins over passed/failed, not over an earlier error.
      return { result, files, unwritten, exitCode: exitCode === 0 || exitCode === 1 ? failure.exitCode : exitCode };
    }
    return { result, files, unwritten: [], exitCode };
  }

  /** Everything up to the measured result; throws AvcmErrors for the run to report. */
  private async measure(startedAt: Date): Promise<RunResult> {
    const { scenario, overrides } = this.request;
    const relative = scenario.assertions.find((a) => a.relative !== null);
    if (relative && !this.request.baseline && !this.request.baselineOptional) {
      throw new AvcmError('E_USAGE', `assertion "${relative.expression}" (${relative.path.join('.')}) compares with a baseline run, but none was given`, {
        hint: "pass --baseline with a previous run's JSON report, or a folder of reports",
      });
    }
    const effective = applyOverrides(scenario, overrides);
    let plan = compile(effective, { seed: overrides?.seed, partitions: overrides?.partitions, cores: this.context.cores ?? os.availableParallelism() });
    let sfu: SfuAdapter | null = null;
    if (plan.sfu) {
      // The SFU's room is made before the engines start; they publish into it themselves.
      const { sfuAdapter } = await import('../sfu/index.js');
      const adapter = sfuAdapter(plan.sfu, this.context.env, { publishers: plan.participants.length });
      sfu = adapter;
      this.cleanups.push(() => adapter.close());
      plan = { ...plan, sfu: await adapter.prepare(plan.participants.length) };
    }
    this.plan = plan;
    const baseDir = scenario.file ? path.dirname(path.resolve(this.context.cwd, scenario.file)) : this.context.cwd;
    // Converts (once, cached) before any partition starts, so engines only read the cache.
    await prepareMediaFiles(plan.media, { baseDir, env: this.context.env });
    this.checkAborted();
    // The sut_* spikes' driver is connected (and its target checked) before anything starts.
    const sut = await SutTimeline.open(plan, { baseDir, env: this.context.env, log: (line) => this.context.log(`avcm: ${plan.scenario}: ${line}`) });
    if (sut) this.cleanups.push(() => sut.close());

    const backendFactory = this.context.backends[plan.backend];
    if (!backendFactory) throw new AvcmError('E_BACKEND', `backend ${plan.backend} is not available in this build`);
    // WebRTC between avcm's own peers on one machine without TURN keeps ICE on loopback
    // (deterministic candidate pairs). Not with an SFU: its ICE stack (libnice in Janus) never
    // offers loopback candidates, so the host's own addresses are used.
    const iceOnLoopback = plan.transport === 'webrtc' && plan.backend === 'local' && plan.turn === null && plan.sfu === null;
    const env = iceOnLoopback ? { ...this.context.env, AVCM_WEBRTC_LOOPBACK: '1' } : this.context.env;
    const backend = backendFactory({ baseDir, env });
    // Remote backends' engines and probe decide for themselves unless a path was chosen; local ones get the path resolved here.
    let engineIo: IoRequest = ioRequest(overrides?.io, this.context.env);

    let target = plan.target;
    let signaling: ((participantId: number, offerSdp: string) => Promise<string>) | undefined;
    if (plan.transport === 'webrtc' && backend.name === 'local') {
      // WebRTC participants have no UDP target: their offers are answered by the built-in WebRTC
      // probe (measured like UDP) or, for REST clients, through the sdp routes.
      const external = this.request.signaling === 'external' && !plan.sfu;
      // With REST signaling the client is the receiver: avcm's probe is then not in the session.
      const receiverOptions = { videoPayloadType: plan.media.video?.payloadType ?? 96, audioPayloadType: plan.media.audio?.payloadType ?? 111, extensions: plan.extensions, expectedDurationMs: plan.durationMs };
      if (external) {
        this.probe = ProbeReceiver.detached(receiverOptions);
        signaling = (participantId, offerSdp) => this.externalSignaling.offer(participantId, offerSdp);
      } else {
        const { WebRtcProbeSession, iceServersFor, probeFeedback } = await import('../webrtc/index.js');
        // The probe's media on the batched layer as `--io` says (werift keeps ICE and DTLS); the engines are told the same path.
        const io = chooseIo(engineIo, this.context.env);
        const notice = ioFallbackNotice(io);
        if (notice !== null) this.context.log(`${notice}; WebRTC media on werift`);
        engineIo = io.path;
        const udp = io.path === 'batched' && io.udp.srtpUnavailable === null ? io.udp : undefined;
        if (io.path === 'batched' && !udp) this.context.log(`avcm: native SRTP unavailable (${io.udp.srtpUnavailable}); the WebRTC probe's media on werift`);
        // Through an SFU every viewer is a receiver of its own (own subscriptions, link, feedback,
        // figures); without one the participants' offers reach one receiver (semantic checks allow one viewer there).
        const viewers = plan.sfu && plan.viewers ? plan.viewers : [{ index: 0, name: null }];
        const receivers: { name: string | null; receiver: ProbeReceiver }[] = [];
        for (const viewer of viewers) {
          const receiver = ProbeReceiver.detached({ ...receiverOptions, ...probeFeedbackOptions(plan, viewer.index) });
          const session = new WebRtcProbeSession({
            videoPayloadType: plan.media.video?.payloadType ?? null,
            audioPayloadType: plan.media.audio?.payloadType ?? null,
            rtxPayloadType: plan.media.video?.rtxPayloadType ?? 97,
            extensions: plan.extensions,
            feedback: probeFeedback(plan),
            simulcast: Boolean(plan.media.video?.simulcast),
            iceServers: iceServersFor(plan.turn, this.context.env),
            loopbackOnly: iceOnLoopback,
            onRtxSsrcs: (pairs) => receiver.registerRtx(pairs),
            sink: receiver.sink,
            udp,
          });
          this.cleanups.push(() => session.close());
          this.webrtcSessions.push({ index: viewer.index, name: viewer.name, session });
          receivers.push({ name: viewer.name, receiver });
        }
        this.probe = receivers.length === 1 && receivers[0].name === null ? receivers[0].receiver : new ViewerProbes(receivers.map((r) => ({ name: r.name!, receiver: r.receiver })));
        const only = this.webrtcSessions[0].session;
        if (!plan.sfu) signaling = (participantId, offerSdp) => only.answer(participantId, offerSdp);
      }
    } else if (backend.name === 'local') {
      const listen = plan.probeListen ?? (plan.target === null ? { host: '127.0.0.1', port: 0 } : isLocalHost(plan.target.host) ? plan.target : null);
      if (listen === null) {
        throw new AvcmError('E_USAGE', `the target ${formatUdpUrl(plan.target!)} is not on this machine, so the built-in probe cannot listen there`, {
          hint: "set probe.listen to the address where the system under test's egress arrives",
        });
      }
      const io = chooseIo(engineIo, this.context.env);
      const notice = ioFallbackNotice(io);
      if (notice !== null) this.context.log(notice);
      engineIo = io.path;
      this.probe = await openProbe({
        io,
        shards: plan.probe.shards,
        listen,
        videoPayloadType: plan.media.video?.payloadType ?? 96,
        audioPayloadType: plan.media.audio?.payloadType ?? 111,
        extensions: plan.extensions,
        expectedDurationMs: plan.durationMs,
        ...probeFeedbackOptions(plan),
      });
      if (plan.probe.shards > 1) {
        this.context.log(
          this.probe instanceof ShardedProbe
            ? `avcm: ${plan.scenario}: probe sharded over ${plan.probe.shards} worker threads (SO_REUSEPORT)`
            : io.path === 'batched'
              ? `avcm: ${plan.scenario}: probe.shards ${plan.probe.shards} ignored: the viewer's downlink is one link, measured by one receiver`
              : `avcm: ${plan.scenario}: probe.shards ${plan.probe.shards} needs batched UDP I/O; one receiver on node:dgram`,
        );
      }
      // With a target of its own the probe's address is not in the run line below; port 0 made it ephemeral.
      if (target !== null) this.context.log(`avcm: ${plan.scenario}: probe listening on ${formatUdpUrl(this.probe.address)}`);
      target ??= this.probe.address;
    }
    // Without a target, a backend that runs the probe itself (containers, pods) has the participants send to it.

    const targetLabel = plan.sfu
      ? `${plan.sfu.kind}: ${plan.sfu.kind === 'janus-videoroom' ? `${plan.sfu.url} room ${plan.sfu.room}` : plan.sfu.whipUrl}`
      : plan.transport === 'webrtc'
        ? this.request.signaling === 'external'
          ? 'webrtc: REST signaling'
          : 'webrtc: built-in probe'
        : target
          ? formatUdpUrl(target)
          : `built-in probe (${backend.name})`;
    this.context.log(
      `avcm: ${plan.scenario}: ${plan.participants.length} participants in ${plan.partitions} partition${plan.partitions === 1 ? '' : 's'} -> ${targetLabel}, ${plan.spikes.length} spikes, seed ${plan.seed}`,
    );
    this.handle = await backend.launch(plan, { target, signal: this.abort.signal, log: this.context.log, signaling, io: engineIo });
    this.checkAborted();
    let subscriptions: ProbeSubscriptions | null = null;
    let layerSwitches: import('../sfu/index.js').LayerSwitchTimeline | null = null;
    if (sfu && this.webrtcSessions.length > 0) {
      // Each viewer the probe plays subscribes to every participant through the SFU: what it measures
      // is what the SFU forwarded to it. It subscribes again, as a viewer app would, when a subscription is lost.
      const { ProbeSubscriptions, LayerSwitchTimeline } = await import('../sfu/index.js');
      // A simulcast run's viewer asks for its layer from the first subscription on, and switches as layer_switch spikes say.
      layerSwitches = LayerSwitchTimeline.forPlan(plan, sfu);
      await layerSwitches?.subscribeAtHome();
      const viewers = this.webrtcSessions.map(({ index, name, session }) => ({ index, name, probe: session }));
      const opened = await ProbeSubscriptions.open(sfu, viewers, plan.participants.map((p) => p.id));
      subscriptions = opened;
      this.cleanups.push(async () => opened.close());
      const who = viewers.length > 1 || viewers[0].name !== null ? `viewer${viewers.length === 1 ? '' : 's'} ${viewers.map((v) => v.name).join(', ')}` : 'probe';
      this.context.log(`avcm: ${plan.scenario}: ${who} subscribed to ${plan.participants.length} participants through ${plan.sfu!.kind}`);
    }

    const runStartEpochMs = this.handle.startEpochMs ?? Date.now() + START_LEAD_MS;
    this.runStartEpochMs = runStartEpochMs;
    this.probe?.start(runStartEpochMs);
    this.handle.start(runStartEpochMs);
    sut?.start(runStartEpochMs);
    layerSwitches?.start(runStartEpochMs);
    this.state = 'running';
    this.context.log(`avcm: ${plan.scenario}: all ${plan.partitions} partition${plan.partitions === 1 ? '' : 's'} ready, sending for ${(plan.durationMs / 1000).toFixed(0)}s`);
    const aborted = new Promise<'aborted'>((resolve) => this.abort.signal.addEventListener('abort', () => resolve('aborted'), { once: true }));
    let failure: AvcmError | null = null;
    const finished = this.handle.finished().then(
      () => 'finished' as const,
      (error: unknown) => {
        // Partitions that die because the user interrupted are part of the interruption, not a failure.
        if (this.stopReason) return 'aborted' as const;
        // A partition failed mid-run: the others stop, and what the probe measured until now is kept.
        failure = toAvcmError(error, 'E_BACKEND');
        return 'failed' as const;
      },
    );
    const outcome = await Promise.race([finished, aborted]);
    this.state = 'stopping';
    if (outcome !== 'finished') await this.handle.stop();
    else await new Promise((resolve) => setTimeout(resolve, ARRIVAL_GRACE_MS));

    // A paused or killed SUT is brought back before anything else (also when interrupted).
    await sut?.close();
    subscriptions?.close();
    layerSwitches?.close();
    for (const failed of layerSwitches?.records().filter((r) => r.error !== null) ?? []) {
      const viewer = plan.viewers?.[failed.viewer]?.name;
      this.context.log(`avcm: ${plan.scenario}: layer switch of participant ${failed.participantId}${viewer ? ` for viewer ${viewer}` : ''} to substream ${failed.substream} failed: ${failed.error}`);
    }
    const finishedAt = new Date();
    const measuredMs = Math.min(plan.durationMs, Math.max(0, finishedAt.getTime() - runStartEpochMs));
    const windowMs = 1000;
    const windowCount = Math.max(1, Math.ceil((outcome === 'finished' ? plan.durationMs : measuredMs) / windowMs));
    const probeReport: ProbeReport | null = this.probe ? await this.probe.report(windowCount) : await this.handle.collectProbeReport();
    // How the kernel spread the participants' sources over the shards: an uneven spread is one shard's core doing most of the work.
    if (this.probe instanceof ShardedProbe) this.context.log(`avcm: ${plan.scenario}: probe shards measured ${this.probe.streamsPerShard.join(' + ')} streams`);
    if (!probeReport) throw new AvcmError('E_BACKEND', `backend ${backend.name} returned no probe report`);
    const totals = this.handle.totals();
    // An action on the SUT that failed means the run did not test what the scenario asked: an error, not a verdict.
    const sutFailure = outcome === 'aborted' ? null : (sut?.failure() ?? null);
    if (sutFailure) this.context.log(`avcm: ${plan.scenario}: ${sutFailure.message}\n  hint: ${sutFailure.hint}`);
    return buildRunResult({
      plan: { ...plan, spikes: [...plan.spikes, ...this.liveSpikes] },
      assertions: effective.assertions,
      file: scenario.file,
      probe: probeReport,
      target: targetLabel,
      startedAt,
      finishedAt,
      packetsSent: totals.packetsSent,
      sendErrors: { errors: totals.sendErrors, refused: totals.sendRefused },
      senders: totals.senders,
      restarts: this.handle.restarts(),
      engineIo: totals.io,
      probeIo: this.webrtcSessions[0]?.session.io,
      webrtcMedia: this.webrtcMediaSummary(plan.scenario, totals.webrtcMedia),
      baseline: this.request.baseline ?? null,
      relativeWithoutBaseline: this.request.baselineOptional ? 'skip' : 'fail',
      sutActions: sut?.records() ?? [],
      reconnects: [...totals.reconnects, ...(subscriptions?.records() ?? [])],
      health: { thresholds: effective.health, engines: totals.health, probe: probeReport.health ?? [] },
      ...(outcome === 'aborted' ? { status: 'aborted' as const, errorMessage: `interrupted by ${this.stopReason} after ${(measuredMs / 1000).toFixed(1)}s` } : {}),
      ...(failure ? this.failureStatus(failure, measuredMs) : {}),
      ...(sutFailure ? { status: 'error' as const, errorMessage: `${sutFailure.message} (${sutFailure.hint})` } : {}),
    });
  }

  /**
   * Where the WebRTC sessions' media ran when the batched layer carried any of it; a session that
   * stayed on werift's path is said in the log too, never silently.
   */
  private webrtcMediaSummary(scenario: string, participants: WebRtcMediaPaths | null): WebRtcMediaSummary | undefined {
    const probe = this.webrtcSessions.length === 0 ? null : this.webrtcSessions.map(({ session }) => session.mediaPaths()).reduce((a, b) => ({ native: a.native + b.native, werift: a.werift + b.werift, broken: a.broken + b.broken, reasons: [...new Set([...a.reasons, ...b.reasons])] }));
    if (!participants && !probe) return undefined;
    const reasons = [...new Set([...(participants?.reasons ?? []), ...(probe?.reasons ?? [])])];
    const summary = { participantsNative: participants?.native ?? 0, participantsWerift: participants?.werift ?? 0, probeNative: probe?.native ?? 0, probeWerift: probe?.werift ?? 0, probeBroken: probe?.broken ?? 0, reasons };
    // Sessions left on werift although the batched layer was there (a TURN relay, ...); `--io dgram` and the fallback say so once at the start.
    if (reasons.length > 0) {
      this.context.log(
        `avcm: ${scenario}: WebRTC media: ${summary.participantsWerift} participants and ${summary.probeWerift} probe sessions on werift's path, ${summary.probeBroken} probe sessions not measured: ${reasons.join('; ')}`,
      );
    }
    return summary;
  }

  /** A run whose backend failed mid-run is an `error` (exit 3), never `aborted` (which is the user's stop): it says what failed, when, and that the figures are partial. */
  private failureStatus(failure: AvcmError, measuredMs: number): { status: 'error'; errorCode: string; errorMessage: string } {
    const when = `after ${(measuredMs / 1000).toFixed(1)}s of the run; the figures cover that time only`;
    this.context.log(`avcm: ${this.request.scenario.name}: error ${failure.code}: ${failure.message} (${when})${failure.hint ? `\n  hint: ${failure.hint}` : ''}`);
    return { status: 'error', errorCode: failure.code, errorMessage: `${failure.message} (${when})${failure.hint ? ` (${failure.hint})` : ''}` };
  }

  private checkAborted(): void {
    if (this.abort.signal.aborted) throw new AvcmError('E_RUN', `interrupted by ${this.stopReason} before the run started`);
  }

  /** A result for a run that never measured anything (or failed midway): status error/aborted, no assertions passed. */
  private failedResult(startedAt: Date, failure: AvcmError): RunResult {
    const scenario = this.request.scenario;
    const plan = this.plan;
    const emptyProbe: ProbeReport = {
      runStartEpochMs: this.runStartEpochMs ?? startedAt.getTime(),
      windowMs: 1000,
      windowCount: 0,
      streams: [],
      malformedPackets: 0,
      foreignPackets: 0,
      kernelRcvbufErrors: null,
    };
    const fallbackPlan: Plan = plan ?? compile(scenario, { cores: 1 });
    return buildRunResult({
      plan: fallbackPlan,
      assertions: scenario.assertions,
      file: scenario.file,
      probe: emptyProbe,
      target: fallbackPlan.target ? formatUdpUrl(fallbackPlan.target) : 'built-in probe',
      startedAt,
      finishedAt: new Date(),
      packetsSent: this.handle?.totals().packetsSent ?? null,
      restarts: [],
      baseline: this.request.baseline ?? null,
      relativeWithoutBaseline: this.request.baselineOptional ? 'skip' : 'fail',
      status: this.stopReason ? 'aborted' : 'error',
      errorCode: failure.code,
      errorMessage: failure.hint ? `${failure.message} (${failure.hint})` : failure.message,
    });
  }
}

/** The senders' feedback so far; NACKs and PLIs received are known per stream once a partition is done. */
function senderProgress(totals: EngineTotals): NonNullable<RunProgress['sender']> {
  let nacksReceived = 0;
  let plisReceived = 0;
  for (const sender of totals.senders) {
    nacksReceived += sender.totals.nacksReceived;
    plisReceived += sender.totals.plisReceived;
  }
  return { rtcpReceived: totals.rtcpReceived, retransmissionsSent: totals.retransmissionsSent, keyframesSent: totals.keyframesSent, nacksReceived, plisReceived };
}

/**
 * A live spike's parameters with the scenario language's defaults (`DEFAULTS.spike`, as a spike
 * written in a scenario gets them); a target rate becomes a reduction of the plan's video rate,
 * as the compiler does for `new_bitrate_kbps`.
 */
function withDefaults(spike: LiveSpike, plan: Plan): PlannedSpike['params'] {
  const p = spike.params;
  const d = DEFAULTS.spike;
  switch (spike.type) {
    case 'rtp_packet_loss':
      return { lossPercent: p.lossPercent ?? 0, pattern: p.pattern ?? d.pattern, meanBurstPackets: p.meanBurstPackets ?? d.mean_burst_packets };
    case 'network_jitter':
      return { baseLatencyMs: p.baseLatencyMs ?? d.base_latency_ms, jitterStdDevMs: p.jitterStdDevMs ?? 0 };
    case 'bitrate_reduce': {
      const videoKbps = plan.media.video?.bitrateKbps;
      const fromRate = spike.newBitrateKbps !== undefined && videoKbps ? Math.round(10_000 * (1 - spike.newBitrateKbps / videoKbps)) / 100 : undefined;
      return { reductionPercent: fromRate ?? p.reductionPercent ?? 0, transitionMs: p.transitionMs ?? parseDurationMs(d.transition)! };
    }
    case 'frame_drop':
      return { dropPercent: p.dropPercent ?? 0 };
    case 'bandwidth_limit':
      return { bandwidthKbps: p.bandwidthKbps ?? 1000, queueMs: p.queueMs ?? parseDurationMs(d.queue)! };
  }
}

const OFFER_WAIT_MS = 30_000;

/** Offers waiting for a REST client's answers, and answers for offers not made yet. */
class PendingOffers {
  private readonly offers = new Map<number, { sdp: Promise<string>; resolveSdp: (sdp: string) => void; answer: Promise<string>; resolveAnswer: (sdp: string) => void }>();

  private entry(participantId: number) {
    let e = this.offers.get(participantId);
    if (!e) {
      let resolveSdp!: (sdp: string) => void;
      let resolveAnswer!: (sdp: string) => void;
      const sdp = new Promise<string>((r) => (resolveSdp = r));
      const answer = new Promise<string>((r) => (resolveAnswer = r));
      e = { sdp, resolveSdp, answer, resolveAnswer };
      this.offers.set(participantId, e);
    }
    return e;
  }

  /** The engine offered: hold it until a client answers. */
  offer(participantId: number, sdp: string): Promise<string> {
    const e = this.entry(participantId);
    e.resolveSdp(sdp);
    return e.answer;
  }

  offerOf(participantId: number): Promise<string> {
    return Promise.race([
      this.entry(participantId).sdp,
      new Promise<string>((_, reject) => setTimeout(() => reject(new AvcmError('E_USAGE', `participant ${participantId} made no offer within ${OFFER_WAIT_MS / 1000}s (is it in this run?)`)), OFFER_WAIT_MS).unref()),
    ]);
  }

  async answer(participantId: number, sdp: string): Promise<void> {
    this.entry(participantId).resolveAnswer(sdp);
  }
}
