import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunOutcome, RunProgress, RunningRun } from '../runner/types.js';

/** How often tracked runs' progress is folded into the metrics (never per packet). */
const FLUSH_INTERVAL_MS = 1_000;

interface Tracked {
  run: RunningRun;
  last: { packetsSent: number; bytesSent: number; sendErrors: number; packetsReceived: number };
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
    this.tracked.set(run.id, { run, last: { packetsSent: 0, bytesSent: 0, sendErrors: 0, packetsReceived: 0 }, progress: null });
    void run.done.then((outcome: RunOutcome) => {
      if (!this.tracked.has(run.id)) return;
      this.untrack(run.id);
      this.runsTotal.inc({ result: outcome.result.status });
      this.runDuration.observe((Date.now() - startedAt) / 1000);
      const delays = outcome.result.streams.map((s) => s.whole.delay_ms).filter((d): d is number => d !== null);
      if (delays.length) this.delaySeconds.set(delays.reduce((sum, d) => sum + d, 0) / delays.length / 1000);
    });
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
    for (const t of this.tracked.values()) {
      const p = t.run.progress();
      t.progress = p;
      const received = p.measured?.packetsReceived ?? 0;
      this.packetsSent.inc(Math.max(0, p.packetsSent - t.last.packetsSent));
      this.bytesSent.inc(Math.max(0, p.bytesSent - t.last.bytesSent));
      this.sendErrors.inc(Math.max(0, p.sendErrors - t.last.sendErrors));
      this.packetsReceived.inc(Math.max(0, received - t.last.packetsReceived));
      t.last = { packetsSent: p.packetsSent, bytesSent: p.bytesSent, sendErrors: p.sendErrors, packetsReceived: received };
      if (p.state === 'done') continue;
      participants += p.participants;
      spikes += p.activeSpikes.length;
      pps += p.packetsPerSecond;
      if (p.measured) measured.push({ loss: p.measured.lossPercent, jitter: p.measured.jitterMs, mos: p.measured.mos });
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
