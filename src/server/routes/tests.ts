import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { NetworkSpikeType, SpikeParams } from '../../plan/types.js';
import type { RunningRun } from '../../runner/types.js';
import { DEFAULTS } from '../../scenario/defaults.js';
import { parseDurationMs } from '../../scenario/units.js';
import { RegistryError, type RunEntry, type RunRegistry } from '../run-registry.js';
import { scenarioFromBody, type ScenarioLimits } from '../scenario-body.js';
import { CREATE_BODY, ID_PARAMS, SDP_ANSWER_BODY, SDP_PARAMS, SPIKE_BODY, type SPIKE_PARAM_NAMES } from '../schemas.js';

type Params = Partial<Record<(typeof SPIKE_PARAM_NAMES)[number], number | string>>;

function num(value: number | string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/** The original platform's spike params -> the scenario language's spike fields. */
function spikeFields(params: Params = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) out[key] = value;
  };
  set('loss_percentage', num(params.loss_percentage));
  set('pattern', params.pattern);
  set('mean_burst_packets', num(params.mean_burst_packets));
  set('base_latency_ms', num(params.base_latency_ms));
  set('jitter_std_dev_ms', num(params.jitter_std_dev_ms));
  set('reduction_percent', num(params.reduction_percent));
  set('new_bitrate_kbps', num(params.new_bitrate_kbps));
  set('transition', params.transition_seconds === undefined ? undefined : num(params.transition_seconds));
  set('drop_percentage', num(params.drop_percentage));
  set('bandwidth_kbps', num(params.bandwidth_kbps));
  set('queue', params.queue_ms === undefined ? undefined : `${num(params.queue_ms)}ms`);
  return out;
}

/** The original platform's create body (see CREATE_BODY for the bounds). */
export interface CreateBody {
  test_id?: string;
  num_participants: number;
  duration_seconds: number;
  seed?: number;
  target?: string;
  transport?: 'udp' | 'webrtc';
  video?: { enabled?: boolean; width?: number; height?: number; fps?: number; framerate?: number; bitrate_kbps?: number };
  audio?: { enabled?: boolean; bitrate_kbps?: number; ptime_ms?: number };
  spikes?: { type: string; count?: number; at_seconds?: number; duration_seconds?: number; participant_ids?: number[]; params?: Params }[];
  spike_distribution?: { strategy?: string; min_spacing_seconds?: number; jitter_percent?: number; respect_min_offset?: boolean };
}

/** The create body -> a scenario document of avcm's language (validated like any scenario file). */
export function scenarioDocumentFromCreate(body: CreateBody, id: string): Record<string, unknown> {
  const video = body.video;
  const audio = body.audio;
  const doc: Record<string, unknown> = {
    version: 1,
    name: `test-${id}`.toLowerCase(),
    description: 'created through POST /api/v1/test/create',
    duration: body.duration_seconds,
    participants: { count: body.num_participants, base_port: 0, transport: body.transport ?? 'udp' },
  };
  if (body.seed !== undefined) doc.seed = body.seed;
  if (body.target) doc.target = body.target;
  const media: Record<string, unknown> = {};
  if (video) {
    media.video = video.enabled === false ? false : {
      ...(video.width ? { width: video.width } : {}),
      ...(video.height ? { height: video.height } : {}),
      ...((video.fps ?? video.framerate) ? { fps: video.fps ?? video.framerate } : {}),
      ...(video.bitrate_kbps ? { bitrate: `${video.bitrate_kbps}kbps` } : {}),
    };
  }
  if (audio) media.audio = audio.enabled === false ? false : { ...(audio.bitrate_kbps ? { bitrate: `${audio.bitrate_kbps}kbps` } : {}), ...(audio.ptime_ms ? { ptime: `${audio.ptime_ms}ms` } : {}) };
  if (Object.keys(media).length) doc.media = media;
  if (body.spikes?.length) {
    doc.spikes = body.spikes.map((s) => ({
      type: s.type,
      ...(s.count ? { count: s.count } : {}),
      ...(s.at_seconds !== undefined ? { at: s.at_seconds } : {}),
      ...(s.duration_seconds !== undefined ? { duration: s.duration_seconds } : {}),
      ...(s.participant_ids?.length ? { participants: s.participant_ids } : {}),
      ...spikeFields(s.params),
    }));
  }
  const d = body.spike_distribution;
  if (d) {
    doc.distribution = {
      ...(d.strategy ? { strategy: d.strategy } : {}),
      ...(d.min_spacing_seconds !== undefined ? { min_spacing: d.min_spacing_seconds } : {}),
      ...(d.jitter_percent !== undefined ? { jitter_percent: d.jitter_percent } : {}),
      ...(d.respect_min_offset !== undefined ? { respect_min_offset: d.respect_min_offset } : {}),
    };
  }
  return doc;
}

/** A live spike's params in avcm's units, checked for range (the plan compiler checks the scenario's). */
function liveParams(type: NetworkSpikeType, params: Params = {}): SpikeParams {
  const percent = (name: keyof Params): number | undefined => {
    const v = num(params[name]);
    if (v !== undefined && (v < 0 || v > 100)) throw new RegistryError(400, 'E_REQUEST', `body/params/${name} must be within 0..100, found ${v}`, `body/params/${name}`);
    return v;
  };
  switch (type) {
    case 'rtp_packet_loss':
      if (params.loss_percentage === undefined) throw new RegistryError(400, 'E_REQUEST', 'body/params/loss_percentage is required for rtp_packet_loss', 'body/params/loss_percentage');
      return { lossPercent: percent('loss_percentage'), pattern: params.pattern === 'burst' ? 'burst' : DEFAULTS.spike.pattern, meanBurstPackets: num(params.mean_burst_packets) ?? DEFAULTS.spike.mean_burst_packets };
    case 'network_jitter':
      return { baseLatencyMs: num(params.base_latency_ms), jitterStdDevMs: num(params.jitter_std_dev_ms) };
    case 'bitrate_reduce':
      // Without a reduction or a target rate the interactive API halves the bit rate (its long-standing default).
      const halve = params.reduction_percent === undefined && params.new_bitrate_kbps === undefined;
      return { reductionPercent: halve ? 50 : percent('reduction_percent'), transitionMs: params.transition_seconds === undefined ? undefined : num(params.transition_seconds)! * 1000 };
    case 'frame_drop':
      return { dropPercent: percent('drop_percentage') };
    case 'bandwidth_limit': {
      const kbps = num(params.bandwidth_kbps);
      if (!kbps || kbps <= 0) throw new RegistryError(400, 'E_REQUEST', 'body/params/bandwidth_kbps must be > 0 for bandwidth_limit', 'body/params/bandwidth_kbps');
      return { bandwidthKbps: kbps, queueMs: num(params.queue_ms) ?? parseDurationMs(DEFAULTS.spike.queue)! };
    }
  }
}

/** The interactive chaos API, in the original platform's shape (snake_case fields, seconds, string numbers). */
export function testRoutes(registry: RunRegistry, limits: ScenarioLimits): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.post<{ Body: CreateBody }>(
      '/api/v1/test/create',
      { schema: { summary: 'Create a test (original platform shape); translated into a scenario and validated like one', body: CREATE_BODY } },
      async (request, reply) => {
        const id = request.body.test_id ?? randomBytes(6).toString('hex');
        const scenario = scenarioFromBody(scenarioDocumentFromCreate(request.body, id), limits, 'request.json');
        const entry = registry.create(scenario, 'test', id);
        return reply.code(201).send({
          test_id: entry.id,
          state: entry.state,
          num_participants: scenario.participants.count,
          duration_seconds: scenario.durationMs / 1000,
          spikes: scenario.spikes.length,
          links: { start: `/api/v1/test/${entry.id}/start`, metrics: `/api/v1/test/${entry.id}/metrics`, run: `/api/v1/runs/${entry.id}` },
        });
      },
    );

    app.post<{ Params: { id: string } }>('/api/v1/test/:id/start', { schema: { summary: 'Start a created test', params: ID_PARAMS } }, async (request) => {
      const entry = registry.start(request.params.id);
      return { test_id: entry.id, state: entry.state };
    });

    app.post<{ Params: { id: string } }>('/api/v1/test/:id/stop', { schema: { summary: 'Stop a test (partial reports are written)', params: ID_PARAMS } }, async (request) => {
      const entry = registry.cancel(request.params.id);
      return { test_id: entry.id, state: entry.state };
    });

    app.get<{ Params: { id: string } }>('/api/v1/test/:id/metrics', { schema: { summary: 'Progress and the measured figures (original field names)', params: ID_PARAMS } }, async (request) => {
      const entry = registry.get(request.params.id);
      const p = entry.run?.progress();
      return {
        test_id: entry.id,
        state: entry.state,
        elapsed_seconds: p ? p.elapsedMs / 1000 : 0,
        duration_seconds: entry.scenario.durationMs / 1000,
        participants_total: entry.scenario.participants.count,
        packets_sent_total: p?.packetsSent ?? 0,
        bytes_sent_total: p?.bytesSent ?? 0,
        packets_per_second: p?.packetsPerSecond ?? 0,
        send_errors_total: p?.sendErrors ?? 0,
        spikes_active: p?.activeSpikes.length ?? 0,
        active_spike_ids: p?.activeSpikes ?? [],
        packets_received_total: p?.measured?.packetsReceived ?? 0,
        packet_loss_percent: p?.measured?.lossPercent ?? null,
        jitter_ms: p?.measured?.jitterMs ?? null,
        mos: p?.measured?.mos ?? null,
        verdict: entry.outcome ? { status: entry.outcome.result.status, exit_code: entry.outcome.exitCode } : null,
      };
    });

    app.post<{ Params: { id: string }; Body: { spike_id?: string; type: NetworkSpikeType; duration_seconds: number; participant_ids?: number[]; params?: Params } }>(
      '/api/v1/test/:id/spike',
      { schema: { summary: 'Inject a spike that starts now (params as in the original; "15" and 15 both accepted)', params: ID_PARAMS, body: SPIKE_BODY } },
      async (request) => {
        const entry = registry.get(request.params.id);
        if (!entry.run || entry.state !== 'running' || entry.run.progress().state !== 'running') {
          throw new RegistryError(409, 'E_STATE', `test ${entry.id} is ${entry.state}; spikes can be injected once it is started (POST /api/v1/test/${entry.id}/start) and until it ends`);
        }
        const spike = { type: request.body.type, durationMs: request.body.duration_seconds * 1000, params: liveParams(request.body.type, request.body.params), newBitrateKbps: num(request.body.params?.new_bitrate_kbps), participantIds: request.body.participant_ids ?? [] };
        // The runner refuses spikes it cannot apply (e.g. participant ids not in the run) with E_USAGE: a 4xx.
        const planned = entry.run.injectSpike(spike);
        return { spike_id: request.body.spike_id ?? planned.id, id: planned.id, type: planned.type, start_ms: planned.startMs, end_ms: planned.endMs, participant_ids: planned.participantIds };
      },
    );

    app.get<{ Params: { id: string; participant_id: string } }>(
      '/api/v1/test/:id/sdp/:participant_id',
      { schema: { summary: "A WebRTC participant's SDP offer (the REST client answers it)", params: SDP_PARAMS } },
      async (request) => {
        const entry = registry.get(request.params.id);
        const participantId = Number(request.params.participant_id);
        const run = signalingRun(entry);
        return { participant_id: participantId, sdp_offer: await run.sdpOffer!(participantId) };
      },
    );

    app.post<{ Params: { id: string; participant_id: string }; Body: { sdp_answer: string } }>(
      '/api/v1/test/:id/sdp/:participant_id',
      { schema: { summary: "Apply the REST client's SDP answer for a WebRTC participant", params: SDP_PARAMS, body: SDP_ANSWER_BODY } },
      async (request) => {
        const entry = registry.get(request.params.id);
        const participantId = Number(request.params.participant_id);
        const run = signalingRun(entry);
        await run.sdpAnswer!(participantId, request.body.sdp_answer);
        return { participant_id: participantId, state: 'answer applied' };
      },
    );
  };
}

/**
 * The run whose WebRTC participants wait for a REST client's answers, or a 409 saying why this
 * one has none: not a WebRTC test, a scenario run (its built-in probe answers), not started, or over.
 */
function signalingRun(entry: RunEntry): RunningRun {
  const transport = entry.scenario.participants.transport;
  let why: string | null = null;
  if (transport !== 'webrtc') why = `it is a ${transport} test (create it with "transport": "webrtc")`;
  else if (entry.origin !== 'test') why = 'it is a scenario run, whose built-in probe answers its participants';
  else if (!entry.run || entry.outcome) why = entry.run ? `it is ${entry.state}` : `it is not started (POST /api/v1/test/${entry.id}/start)`;
  else if (!entry.run.sdpOffer || !entry.run.sdpAnswer) why = 'its runner does no REST signaling';
  if (why) throw new RegistryError(409, 'E_STATE', `test ${entry.id} has no WebRTC participants waiting for signaling: ${why}`);
  return entry.run!;
}
