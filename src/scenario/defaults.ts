import type { HealthThresholds } from '../health/index.js';
import { parseExpression } from './assertion-expression.js';
import { METRIC_NAMES } from '../result/index.js';
import type { AssertionSpec, NumberRange, Scenario, SimpleTargetSelector, SimulcastLayer, SpikeEntry, SpikeShape, TargetSelector, WeightedShape } from './scenario.js';
import type { MetricAssertions, ScenarioDocument, SimulcastLayerSpec, SpikeSpec, SpikeTypeSpec, ViewerAssertions } from './types.js';
import { parseDurationMs, parseRateKbps, parseShare, parseUdpListenUrl, parseUdpUrl } from './units.js';

/**
 * Defaults of the language (mirrors the `default` keywords of schemas/scenario.schema.json; a test
 * keeps the two in step). Applied once, after validation, by `applyDefaults`.
 */
export const DEFAULTS = {
  backend: 'local',
  video: { fps: 30, bitrate: '2500kbps', width: 1280, height: 720, keyframe_interval: '2s', max_payload_bytes: 1200, payload_type: 96, rtx_payload_type: 97, simulcast: false },
  /** The layers of `simulcast: true`: the shipped clip's (media/default/clip.json). */
  simulcastLayers: [
    { rid: 'h', width: 1280, height: 720, bitrate: '2500kbps' },
    { rid: 'm', width: 640, height: 360, bitrate: '600kbps' },
    { rid: 'l', width: 320, height: 180, bitrate: '150kbps' },
  ],
  audio: { ptime: '20ms', bitrate: '64kbps', payload_type: 111 },
  participants: { first_id: 1001, transport: 'udp', video: true, audio: true, base_port: 0 },
  rtcp: { nack: true, rtx: true, pli: true, report_interval: '1s', history: '1s' },
  probe: { nack: true, pli: true, jitter_buffer: 'adaptive', report_interval: '1s', shards: 1, remb: true },
  turn: { secret_env: 'AVCM_TURN_SECRET', ttl: '1h' },
  extensions: { layout: 'rfc8285', participant_id: 1, abs_send_time: 2, rtp_stream_id: 10, repaired_rtp_stream_id: 11, mid: 4 },
  scaling: { partitions: 'auto', participants_per_partition: 150, max_partitions: 10 },
  health: { inconclusive: true, pacing_lateness: '25ms', event_loop_delay: '50ms', cpu_percent: 95, receive_lag: '50ms', send_drops: 0, kernel_drops: 0 },
  spike: { count: 1, duration: '10s', participants: 'all', direction: 'uplink', viewers: 'all', pattern: 'random', mean_burst_packets: 3, base_latency_ms: 0, transition: '2s', queue: '200ms', trace_format: 'auto' },
  sut: { timeout: '60s', stop_timeout: '10s', namespace: 'default' },
  distribution: { strategy: 'even', min_spacing: '5s', jitter_percent: 15, respect_min_offset: true, waves: 3, burst_size: 3 },
} as const;


function ms(value: unknown, fallback: string): number {
  return parseDurationMs(value ?? fallback) ?? 0;
}

function range(value: unknown): NumberRange | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return { min: value, max: value };
  const { min, max } = value as { min: number; max: number };
  return { min, max };
}

function durationRange(value: unknown, fallback: string = DEFAULTS.spike.duration): NumberRange {
  if (value !== null && typeof value === 'object') {
    const { min, max } = value as { min: unknown; max: unknown };
    return { min: parseDurationMs(min) ?? 0, max: parseDurationMs(max) ?? 0 };
  }
  const fixed = ms(value, fallback);
  return { min: fixed, max: fixed };
}

function simpleTargets(value: unknown): SimpleTargetSelector {
  if (value === undefined || value === 'all') return { kind: 'all' };
  if (Array.isArray(value)) return { kind: 'ids', ids: value.map(Number) }; // user order, so problems can point at the entry
  if (typeof value === 'number') return { kind: 'count', count: value };
  if (value !== null && typeof value === 'object') {
    const { min, max } = value as { min: number; max: number };
    return { kind: 'countRange', min, max };
  }
  return { kind: 'share', fraction: parseShare(String(value)) ?? 1 };
}

/** A `participants` value as written (a selection, or a weighted pool of them) as a TargetSelector. */
export function targetSelector(value: unknown): TargetSelector {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'pool' in value) {
    const pool = (value as { pool: { weight: number; participants: unknown }[] }).pool;
    return { kind: 'pool', options: pool.map((o) => ({ weight: o.weight, targets: simpleTargets(o.participants) })) };
  }
  return simpleTargets(value);
}

/** A spike type and its parameters with defaults applied (a spike's, or a pool entry's). */
function spikeShape(spec: SpikeTypeSpec): SpikeShape {
  const d = DEFAULTS.spike;
  switch (spec.type) {
    case 'rtp_packet_loss':
      return { type: spec.type, lossPercent: range(spec.loss_percentage), pattern: spec.pattern ?? d.pattern, meanBurstPackets: spec.mean_burst_packets ?? d.mean_burst_packets };
    case 'network_jitter':
      return { type: spec.type, baseLatencyMs: range(spec.base_latency_ms ?? d.base_latency_ms), jitterStdDevMs: range(spec.jitter_std_dev_ms) };
    case 'bitrate_reduce':
      return { type: spec.type, reductionPercent: range(spec.reduction_percent), newBitrateKbps: range(spec.new_bitrate_kbps), transitionMs: durationRange(spec.transition, d.transition) };
    case 'frame_drop':
      return { type: spec.type, dropPercent: range(spec.drop_percentage) };
    case 'bandwidth_limit':
      return { type: spec.type, bandwidthKbps: range(spec.bandwidth_kbps), queueMs: ms(spec.queue, d.queue) };
    case 'trace':
      return { type: spec.type, queueMs: ms(spec.queue, d.queue), trace: { file: spec.file, format: spec.format ?? d.trace_format, data: null } };
    case 'sut_restart':
    case 'sut_pause':
    case 'sut_kill':
      // Acts on the system under test through the scenario's `sut` driver: no parameters of its own.
      return { type: spec.type };
    case 'layer_switch':
      return { type: spec.type, layer: spec.layer };
  }
}

function spikeEntry(spec: SpikeSpec, index: number): SpikeEntry {
  const d = DEFAULTS.spike;
  const pooled = 'pool' in spec;
  const shapes: WeightedShape[] = pooled
    ? spec.pool.map((option, i) => ({ weight: option.weight, shape: spikeShape(option), path: ['spikes', index, 'pool', i] }))
    : [{ weight: 1, shape: spikeShape(spec), path: ['spikes', index] }];
  return {
    index,
    count: spec.count ?? d.count,
    durationMs: durationRange(spec.duration),
    durationGiven: spec.duration !== undefined,
    atMs: spec.at === undefined ? null : parseDurationMs(spec.at),
    targets: targetSelector(spec.participants),
    direction: spec.direction ?? d.direction,
    directionGiven: spec.direction !== undefined,
    viewers: spec.viewers ?? d.viewers,
    viewersGiven: spec.viewers !== undefined,
    shapes,
    pooled,
  };
}

/**
 * The assertions in document order of kind: each scope's plain metrics, recovery_seconds, each
 * scope's `layers:` blocks, then each scope's `viewers:` blocks (a viewer's plain metrics, then its
 * `layers:`). Appending the new kinds after the old keeps the order of scenarios without them.
 */
function assertionSpecs(doc: ScenarioDocument): AssertionSpec[] {
  const specs: AssertionSpec[] = [];
  const add = (metric: AssertionSpec['metric'], scope: AssertionSpec['scope'], viewer: string | null, layer: string | null, list: string[] | undefined) => {
    const scopePath = scope === 'whole' ? ['assertions'] : ['assertions', scope];
    const viewerPath = viewer === null ? scopePath : [...scopePath, 'viewers', viewer];
    const parent = layer === null ? [...viewerPath, metric] : [...viewerPath, 'layers', layer, metric];
    (list ?? []).forEach((expression, index) => {
      const parsed = parseExpression(expression);
      if ('error' in parsed) return; // validation reported it; never reached for a valid document
      specs.push({ metric, scope, layer, viewer, expression: expression.trim(), ...parsed, path: [...parent, index], location: null });
    });
  };
  const addLayers = (scope: AssertionSpec['scope'], viewer: string | null, block: ViewerAssertions | undefined) => {
    for (const [layer, metrics] of Object.entries(block?.layers ?? {})) for (const metric of METRIC_NAMES) add(metric, scope, viewer, layer, metrics[metric]);
  };
  const assertions = doc.assertions ?? {};
  const scoped: [AssertionSpec['scope'], MetricAssertions | undefined][] = [
    ['whole', assertions],
    ['during_spikes', assertions.during_spikes],
    ['baseline', assertions.baseline],
  ];
  for (const [scope, block] of scoped) for (const metric of METRIC_NAMES) add(metric, scope, null, null, block?.[metric]);
  add('recovery_seconds', 'whole', null, null, assertions.recovery_seconds);
  for (const [scope, block] of scoped) addLayers(scope, null, block);
  for (const [scope, block] of scoped) {
    for (const [viewer, metrics] of Object.entries(block?.viewers ?? {})) {
      for (const metric of METRIC_NAMES) add(metric, scope, viewer, null, metrics[metric]);
      addLayers(scope, viewer, metrics);
    }
  }
  return specs;
}

function rtcpOptions(rtcp: NonNullable<ScenarioDocument['participants']['rtcp']> | undefined): Scenario['participants']['rtcp'] {
  if (rtcp === false) return null;
  const r = { ...DEFAULTS.rtcp, ...(typeof rtcp === 'object' ? rtcp : {}) };
  return { nack: r.nack, rtx: r.rtx, pli: r.pli, reportIntervalMs: ms(r.report_interval, DEFAULTS.rtcp.report_interval), historyMs: ms(r.history, DEFAULTS.rtcp.history) };
}

/** `media.video.simulcast` with units resolved; null for one encoding. */
function simulcastLayers(spec: boolean | SimulcastLayerSpec[] | undefined): SimulcastLayer[] | null {
  if (spec === undefined || spec === false) return null;
  const layers = spec === true ? DEFAULTS.simulcastLayers : spec;
  return layers.map((layer) => ({ rid: layer.rid, width: layer.width, height: layer.height, bitrateKbps: parseRateKbps(layer.bitrate) ?? 0 }));
}

function probeOptions(probe: ScenarioDocument['probe']): Scenario['probe'] {
  const d = DEFAULTS.probe;
  const buffer = probe?.jitter_buffer ?? d.jitter_buffer;
  const reports = probe?.report_interval ?? d.report_interval;
  return {
    nack: probe?.nack ?? d.nack,
    pli: probe?.pli ?? d.pli,
    jitterBuffer: buffer === false ? false : { fixedDelayMs: buffer === 'adaptive' ? null : ms(buffer, '0') },
    reportIntervalMs: reports === false ? null : ms(reports, d.report_interval),
    shards: probe?.shards ?? d.shards,
    remb: probe?.remb ?? d.remb,
  };
}

/** `viewers` as written (a layer left out is null: the compiler gives such a viewer the top layer). */
function viewerSpecs(viewers: ScenarioDocument['viewers']): Scenario['viewers'] {
  return viewers ? viewers.map((v) => ({ name: v.name, layer: v.layer ?? null })) : null;
}

/** The `health:` section's limits with units resolved (ms). */
function healthThresholds(health: ScenarioDocument['health']): HealthThresholds {
  const h = { ...DEFAULTS.health, ...(health ?? {}) };
  const d = DEFAULTS.health;
  return {
    markInconclusive: h.inconclusive,
    pacingLatenessMs: ms(h.pacing_lateness, d.pacing_lateness),
    eventLoopDelayMs: ms(h.event_loop_delay, d.event_loop_delay),
    cpuPercent: h.cpu_percent,
    receiveLagMs: ms(h.receive_lag, d.receive_lag),
    sendDrops: h.send_drops,
    kernelDrops: h.kernel_drops,
  };
}

function sutSpec(sut: ScenarioDocument['sut']): Scenario['sut'] {
  if (!sut) return null;
  const d = DEFAULTS.sut;
  const timeoutMs = ms(sut.timeout, d.timeout);
  switch (sut.driver) {
    case 'command':
      return {
        driver: 'command',
        restart: sut.restart ?? null,
        stop: sut.stop ?? null,
        start: sut.start ?? null,
        pause: sut.pause ?? null,
        resume: sut.resume ?? null,
        kill: sut.kill ?? null,
        cwd: sut.cwd ?? null,
        timeoutMs,
      };
    case 'docker':
      return { driver: 'docker', container: sut.container, stopTimeoutMs: ms(sut.stop_timeout, d.stop_timeout), timeoutMs };
    case 'k8s':
      return { driver: 'k8s', namespace: sut.namespace ?? d.namespace, selector: sut.selector, deployment: sut.deployment ?? null, kubeconfig: sut.kubeconfig ?? null, timeoutMs };
  }
}

/** Turns a schema-valid document into a Scenario: defaults applied, units resolved. */
export function applyDefaults(doc: ScenarioDocument, file: string | null): Scenario {
  const v = DEFAULTS.video;
  const a = DEFAULTS.audio;
  const video = doc.media?.video === false ? null : { ...v, ...(doc.media?.video ?? {}) };
  const layers = video ? simulcastLayers(video.simulcast) : null;
  const audio = doc.media?.audio === false ? null : { ...a, ...(doc.media?.audio ?? {}) };
  const p = { ...DEFAULTS.participants, ...doc.participants };
  const ext = { ...DEFAULTS.extensions, ...(doc.rtp?.extensions ?? {}) };
  const scaling = { ...DEFAULTS.scaling, ...(doc.scaling ?? {}) };
  const dist = { ...DEFAULTS.distribution, ...(doc.distribution ?? {}) };
  const minSpacingMs = ms(dist.min_spacing, DEFAULTS.distribution.min_spacing);
  const target = doc.target === undefined ? null : parseUdpUrl(doc.target);
  return {
    name: doc.name,
    description: doc.description ?? '',
    seed: doc.seed ?? null,
    durationMs: ms(doc.duration, '0'),
    backend: doc.backend ?? DEFAULTS.backend,
    media: {
      video: video && {
        file: video.file ?? null,
        fps: video.fps,
        // The top layer is the video's encoding at full size: what a single-encoding reader sees.
        bitrateKbps: layers ? layers[0].bitrateKbps : (parseRateKbps(video.bitrate) ?? 2500),
        width: layers ? layers[0].width : video.width,
        height: layers ? layers[0].height : video.height,
        keyframeIntervalMs: ms(video.keyframe_interval, v.keyframe_interval),
        maxPayloadBytes: video.max_payload_bytes,
        payloadType: video.payload_type,
        rtxPayloadType: video.rtx_payload_type,
        simulcast: layers,
      },
      audio: audio && {
        file: audio.file ?? null,
        ptimeMs: ms(audio.ptime, a.ptime),
        bitrateKbps: parseRateKbps(audio.bitrate) ?? 64,
        payloadType: audio.payload_type,
      },
    },
    participants: {
      count: p.count,
      firstId: p.first_id,
      transport: p.transport,
      videoShare: video ? (parseShare(p.video) ?? 1) : 0,
      audioShare: audio ? (parseShare(p.audio) ?? 1) : 0,
      basePort: p.base_port,
      rtcp: rtcpOptions(doc.participants.rtcp),
    },
    target,
    probeListen: doc.probe?.listen === undefined ? null : parseUdpListenUrl(doc.probe.listen),
    probe: probeOptions(doc.probe),
    viewers: viewerSpecs(doc.viewers),
    turn: doc.turn
      ? {
          urls: doc.turn.urls,
          secretEnv: doc.turn.secret_env ?? DEFAULTS.turn.secret_env,
          ttlSeconds: Math.round(ms(doc.turn.ttl, DEFAULTS.turn.ttl) / 1000),
        }
      : null,
    sfu: !doc.sfu
      ? null
      : doc.sfu.kind === 'janus-videoroom'
        ? { kind: 'janus-videoroom', url: doc.sfu.url, room: doc.sfu.room ?? null, secretEnv: doc.sfu.secret_env ?? null }
        : { kind: 'whip', whipUrl: doc.sfu.whip_url, whepUrl: doc.sfu.whep_url, tokenEnv: doc.sfu.token_env ?? null },
    sut: sutSpec(doc.sut),
    extensions: { layout: ext.layout, participantIdId: ext.participant_id, absSendTimeId: ext.abs_send_time, ridId: ext.rtp_stream_id, repairedRidId: ext.repaired_rtp_stream_id, midId: ext.mid },
    scaling: {
      partitions: scaling.partitions,
      participantsPerPartition: scaling.participants_per_partition,
      maxPartitions: scaling.max_partitions,
    },
    health: healthThresholds(doc.health),
    spikes: (doc.spikes ?? []).map(spikeEntry),
    distribution: {
      strategy: dist.strategy,
      minSpacingMs,
      jitterPercent: dist.jitter_percent,
      respectMinOffset: dist.respect_min_offset,
      intervalMs: dist.interval === undefined ? minSpacingMs : ms(dist.interval, '0'),
      waves: dist.waves,
      burstSize: dist.burst_size,
    },
    assertions: assertionSpecs(doc),
    file,
  };
}
