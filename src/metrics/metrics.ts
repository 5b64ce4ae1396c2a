import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunResult } from '../result/index.js';
import type { RunOutcome, RunProgress, RunningRun } from '../runner/types.js';

/** How often tracked runs' progress is folded into the metrics (never per packet). */
const FLUSH_INTERVAL_MS = 1_000;

/**
 * The feedback loop's cumulative figures a run's counters follow: the viewer's (the probe's playout
 * model and receiver session) and the senders'. Each maps to one counter below.
 */
interface FeedbackCounts {
  nacksSent: number;
  plisSent: number;
  retransmissionsReceived: number;
  freezes: number;
  freezeMs: number;
  senderNacksReceived: number;
  senderRetransmissionsSent: number;
  senderPlisReceived: number;
  senderKeyframesSent: number;
  senderRtcpReceived: number;
}

const NO_FEEDBACK: FeedbackCounts = {
  nacksSent: 0,
  plisSent: 0,
  retransmissionsReceived: 0,
  freezes: 0,
  freezeMs: 0,
  senderNacksReceived: 0,
  senderRetransmissionsSent: 0,
  senderPlisReceived: 0,
  senderKeyframesSent: 0,
  senderRtcpReceived: 0,
};

/** A progress snapshot's feedback figures; what is not reported stays at `last` (counters never go back). */
function feedbackOf(p: RunProgress, last: FeedbackCounts): FeedbackCounts {
  const v = p.viewer;
  const s = p.sender;
  return {
    nacksSent: v?.nacksSent ?? last.nacksSent,
    plisSent: v?.plisSent ?? last.plisSent,
    retransmissionsReceived: v?.retransmissionsReceived ?? last.retransmissionsReceived,
    freezes: v?.freezes ?? last.freezes,
    freezeMs: v?.freezeMs ?? last.freezeMs,
    senderNacksReceived: s?.nacksReceived ?? last.senderNacksReceived,
    senderRetransmissionsSent: s?.retransmissionsSent ?? last.senderRetransmissionsSent,
    senderPlisReceived: s?.plisReceived ?? last.senderPlisReceived,
    senderKeyframesSent: s?.keyframesSent ?? last.senderKeyframesSent,
    senderRtcpReceived: s?.rtcpReceived ?? last.senderRtcpReceived,
  };
}

/**
 * The finished run's exact totals (the result counts what live snapshots could not yet see:
 * late windows, partitions' final reports, a probe in a pod); RTCP received is live only.
 */
function feedbackOfResult(result: RunResult, last: FeedbackCounts): FeedbackCounts {
  const f = result.totals?.feedback;
  if (!f) return last;
  return {
    nacksSent: f.nacksSent,
    plisSent: f.plisSent,
    retransmissionsReceived: f.retransmissionsReceived,
    freezes: f.freezes,
    freezeMs: f.freezeMs,
    senderNacksReceived: f.senderNacksReceived,
    senderRetransmissionsSent: f.senderRetransmissionsSent,
    senderPlisReceived: f.senderPlisReceived,
    senderKeyframesSent: f.senderKeyframesSent,
    senderRtcpReceived: last.senderRtcpReceived,
  };
}

interface Tracked {
  run: RunningRun;
  last: { packetsSent: number; bytesSent: number; sendErrors: number; packetsReceived: number; feedback: FeedbackCounts };
  progress: RunProgress | null;
}

/**
 * avcm's Prometheus metrics, on a registry of their own (no global default registry). The
 * original platform's names are kept (`av_chaos_monkey_*`); avcm's own carry units in their names.
 * Labels stay bounded: no per-participant or per-run labels; figures aggregate over the runs in
 * flight. Counters advance from progress snapshots on a timer.
 */
export class AvcmMetrics {
  readonly registry = new Registry();
  /** Names of the original platform that promtool's lint rejects, served only on request (see `render`). */
  private readonly legacyRegistry = new Registry();
  private readonly tracked = new Map<string, Tracked>();
  private readonly timer: NodeJS.Timeout;
  private readonly participants: Counter;
  private readonly participantsActive: Gauge;
  private readonly legacyJitterMs: Gauge;
  private readonly jitterSeconds: Gauge;
  private readonly packetsSent: Counter;
  private readonly bytesSent: Counter;
  private readonly spikesActive: Gauge;
  private readonly lossPercent: Gauge;
  private readonly mos: Gauge;
  private readonly packetsReceived: Counter;
  private readonly sendErrors: Counter;
  private readonly runsActive: Gauge;
  private readonly runsTotal: Counter<'result'>;
  private readonly runDuration: Histogram;
  private readonly packetsPerSecond: Gauge;
  private readonly delaySeconds: Gauge;
  private readonly rttSeconds: Gauge;
  private readonly residualLossPercent: Gauge;
  /** One counter per feedback figure; `freezeMs` is exposed in seconds. */
  private readonly feedback: Record<keyof FeedbackCounts, Counter>;
  private closed = false;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.participants = new Counter({ name: 'av_chaos_monkey_participants_total', help: 'Participants launched by runs since the server started.', registers });
    this.participantsActive = new Gauge({ name: 'avcm_participants_active', help: 'Participants of the runs in flight.', registers });
    this.packetsSent = new Counter({ name: 'av_chaos_monkey_packets_sent_total', help: 'RTP packets sent by participants.', registers });
    this.bytesSent = new Counter({ name: 'av_chaos_monkey_bytes_sent_total', help: 'RTP bytes (header + payload) sent by participants.', registers });
    this.spikesActive = new Gauge({ name: 'av_chaos_monkey_spikes_active', help: 'Chaos spikes active right now.', registers });
    this.lossPercent = new Gauge({ name: 'av_chaos_monkey_packet_loss_percent', help: 'Packet loss measured by the probe over the last complete second, percent.', registers });
    this.jitterSeconds = new Gauge({ name: 'av_chaos_monkey_jitter_seconds', help: 'RFC 3550 interarrival jitter measured by the probe, mean over streams, seconds.', registers });
    this.legacyJitterMs = new Gauge({ name: 'av_chaos_monkey_jitter_ms', help: 'The original platform name: RFC 3550 jitter, milliseconds.', registers: [this.legacyRegistry] });
    this.mos = new Gauge({ name: 'av_chaos_monkey_mos', help: 'E-model MOS (G.107) from the measured loss, jitter and delay.', registers });
    this.packetsReceived = new Counter({ name: 'avcm_probe_packets_received_total', help: 'RTP packets the probe received.', registers });
    this.sendErrors = new Counter({ name: 'avcm_send_errors_total', help: 'Socket send errors (e.g. ICMP port unreachable); runs go on.', registers });
    this.packetsPerSecond = new Gauge({ name: 'avcm_packets_sent_per_second', help: 'Packets per second sent over the last second.', registers });
    this.runsActive = new Gauge({ name: 'avcm_runs_active', help: 'Runs in flight.', registers });
    this.runsTotal = new Counter({ name: 'avcm_runs_total', help: 'Finished runs by result.', labelNames: ['result'], registers });
    this.runDuration = new Histogram({ name: 'avcm_run_duration_seconds', help: 'Wall-clock duration of finished runs, seconds.', buckets: [10, 30, 60, 120, 300, 600, 1800, 3600], registers });
    this.delaySeconds = new Gauge({ name: 'avcm_one_way_delay_seconds', help: 'Mean one-way delay (send timestamp to probe arrival) over the streams of the last finished run, seconds.', registers });
    this.rttSeconds = new Gauge({ name: 'avcm_rtt_seconds', help: "Mean round trip the senders measured from their receiver's reports (RFC 3550 LSR/DLSR) over the streams of the last finished run, seconds.", registers });
    this.residualLossPercent = new Gauge({
      name: 'avcm_probe_residual_loss_percent',
      help: 'What the viewer lost: packets still missing at playout after recovery (NACK/RTX), late ones included, percent of those due, over the last second the playout model settled (wire loss: av_chaos_monkey_packet_loss_percent).',
      registers,
    });
    const counter = (name: string, help: string): Counter => new Counter({ name, help, registers });
    this.feedback = {
      nacksSent: counter('avcm_probe_nacks_sent_total', 'NACK messages the probe (the viewer) sent (W3C nackCount).'),
      plisSent: counter('avcm_probe_plis_sent_total', 'PLIs the probe (the viewer) sent when a frame could not be decoded (W3C pliCount).'),
      retransmissionsReceived: counter('avcm_probe_retransmissions_received_total', 'Retransmissions the probe received: RTX packets, or NACKed packets arriving again (W3C retransmittedPacketsReceived).'),
      freezes: counter('avcm_probe_freezes_total', 'Video freezes the playout model saw (W3C freezeCount).'),
      freezeMs: counter('avcm_probe_freeze_seconds_total', 'Total duration of those freezes, seconds (W3C totalFreezesDuration).'),
      senderNacksReceived: counter('avcm_sender_nacks_received_total', "NACK messages the participants' streams received (through an SFU: the SFU's NACKs to publishers); counted when each partition reports at its end."),
      senderRetransmissionsSent: counter('avcm_sender_retransmissions_sent_total', 'Packets the participants retransmitted in answer to NACKs (RTX or the same packet; W3C retransmittedPacketsSent).'),
      senderPlisReceived: counter('avcm_sender_plis_received_total', "PLIs the participants' streams received; counted when each partition reports at its end."),
      senderKeyframesSent: counter('avcm_sender_keyframes_sent_total', 'Keyframes the participants sent in answer to PLI/FIR.'),
      senderRtcpReceived: counter('avcm_sender_rtcp_received_total', 'RTCP compound packets the participants received (reports, NACK, PLI, FIR, REMB).'),
    };
    if (options.processMetrics) {
      collectDefaultMetrics({ register: this.registry, prefix: 'avcm_' });
      // prom-client names a few gauges `*_total` (active handles/requests/resources), which promtool's lint rejects; drop those.
      for (const metric of this.registry.getMetricsAsArray()) {
        const name = (metric as unknown as { name: string }).name;
        if (metric instanceof Gauge && name.endsWith('_total')) this.registry.removeSingleMetric(name);
      }
    }
    this.timer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * Follows a run until it is done (or {@link untrack}): its progress is read once per second and
   * the counters advance by the difference to the last snapshot. Tracking a run twice is a no-op.
   */
  track(run: RunningRun): void {
    if (this.tracked.has(run.id) || this.closed) return;
    const startedAt = Date.now();
    this.participants.inc(run.progress().participants);
    this.tracked.set(run.id, { run, last: { packetsSent: 0, bytesSent: 0, sendErrors: 0, packetsReceived: 0, feedback: NO_FEEDBACK }, progress: null });
    void run.done.then((outcome: RunOutcome) => {
      const tracked = this.tracked.get(run.id);
      if (!tracked) return;
      this.untrack(run.id);
      this.advanceFeedback(tracked.last.feedback, feedbackOfResult(outcome.result, tracked.last.feedback));
      this.runsTotal.inc({ result: outcome.result.status });
      this.runDuration.observe((Date.now() - startedAt) / 1000);
      const meanSeconds = (ms: (number | null | undefined)[]): number | null => {
        const values = ms.filter((d): d is number => typeof d === 'number');
        return values.length ? values.reduce((sum, d) => sum + d, 0) / values.length / 1000 : null;
      };
      const delay = meanSeconds(outcome.result.streams.map((s) => s.whole.delay_ms));
      if (delay !== null) this.delaySeconds.set(delay);
      const rtt = meanSeconds(outcome.result.streams.map((s) => s.whole.rtt_ms));
      if (rtt !== null) this.rttSeconds.set(rtt);
    });
  }

  /** Advances each feedback counter by how far `next` is past `last` (never backwards). */
  private advanceFeedback(last: FeedbackCounts, next: FeedbackCounts): void {
    for (const key of Object.keys(this.feedback) as (keyof FeedbackCounts)[]) {
      const delta = Math.max(0, next[key] - last[key]);
      if (delta > 0) this.feedback[key].inc(key === 'freezeMs' ? delta / 1000 : delta);
    }
  }

  /** Stops following a run: its last progress is folded in first, then it no longer counts as active. */
  untrack(runId: string): void {
    if (!this.tracked.has(runId)) return;
    this.flush();
    this.tracked.delete(runId);
    this.flush();
  }

  /** Folds the latest progress of every tracked run into the metrics. */
  flush(): void {
    let participants = 0;
    let spikes = 0;
    let pps = 0;
    const measured: { loss: number; jitter: number; mos: number | null }[] = [];
    const residual: number[] = [];
    for (const t of this.tracked.values()) {
      const p = t.run.progress();
      t.progress = p;
      const received = p.measured?.packetsReceived ?? 0;
      this.packetsSent.inc(Math.max(0, p.packetsSent - t.last.packetsSent));
      this.bytesSent.inc(Math.max(0, p.bytesSent - t.last.bytesSent));
      this.sendErrors.inc(Math.max(0, p.sendErrors - t.last.sendErrors));
      this.packetsReceived.inc(Math.max(0, received - t.last.packetsReceived));
      const feedback = feedbackOf(p, t.last.feedback);
      this.advanceFeedback(t.last.feedback, feedback);
      t.last = { packetsSent: p.packetsSent, bytesSent: p.bytesSent, sendErrors: p.sendErrors, packetsReceived: received, feedback };
      if (p.state === 'done') continue;
      participants += p.participants;
      spikes += p.activeSpikes.length;
      pps += p.packetsPerSecond;
      if (p.measured) measured.push({ loss: p.measured.lossPercent, jitter: p.measured.jitterMs, mos: p.measured.mos });
      if (p.viewer?.residualLossPercent !== null && p.viewer?.residualLossPercent !== undefined) residual.push(p.viewer.residualLossPercent);
    }
    this.participantsActive.set(participants);
    this.spikesActive.set(spikes);
    this.packetsPerSecond.set(pps);
    this.runsActive.set([...this.tracked.values()].filter((t) => t.progress?.state !== 'done').length);
    const avg = (values: number[]): number => (values.length ? values.reduce((s, v) => s + v, 0) / values.length : 0);
    this.lossPercent.set(avg(measured.map((m) => m.loss)));
    const jitterMs = avg(measured.map((m) => m.jitter));
    this.jitterSeconds.set(jitterMs / 1000);
    this.legacyJitterMs.set(jitterMs);
    const mosValues = measured.map((m) => m.mos).filter((m): m is number => m !== null);
    if (mosValues.length) this.mos.set(avg(mosValues));
    // Only runs with a playout model measure it: without one it keeps its last value, as MOS does (0 would read as "all recovered").
    if (residual.length) this.residualLossPercent.set(avg(residual));
  }

  /**
   * The Prometheus text exposition. `legacyNames` adds the original platform's
   * `av_chaos_monkey_jitter_ms`, which promtool's lint rejects (abbreviated unit), for dashboards
   * built on the old name; the default output passes `promtool check metrics`.
   */
  async render(options: { legacyNames?: boolean } = {}): Promise<{ contentType: string; body: string }> {
    this.flush();
    const body = await this.registry.metrics();
    return { contentType: this.registry.contentType, body: options.legacyNames ? body + (await this.legacyRegistry.metrics()) : body };
  }

  /** Stops the once-a-second flush; idempotent. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }
}

/** Builds the metrics of one server (or test); `processMetrics` adds prom-client's process metrics as `avcm_process_*`. */
export function createMetrics(options: { processMetrics?: boolean } = {}): AvcmMetrics {
  return new AvcmMetrics(options);
}
