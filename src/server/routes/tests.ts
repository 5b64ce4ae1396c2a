import type { FastifyInstance } from 'fastify';
import type { SpikeParams, SpikeType } from '../../plan/types.js';
import { RegistryError, type RunRegistry } from '../run-registry.js';
import { scenarioFromBody } from '../scenario-body.js';

const SPIKE_TYPES = ['rtp_packet_loss', 'network_jitter', 'bitrate_reduce', 'frame_drop', 'bandwidth_limit'] as const;
const PARAM_NAMES = ['loss_percentage', 'pattern', 'mean_burst_packets', 'base_latency_ms', 'jitter_std_dev_ms', 'reduction_percent', 'new_bitrate_kbps', 'transition_seconds', 'drop_percentage', 'bandwidth_kbps', 'queue_ms'] as const;
/** The original platform sends numbers as strings ("15"); both are accepted. */
const NUMBERISH = { anyOf: [{ type: 'number', minimum: 0, maximum: 1e9 }, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*$', maxLength: 20 }, { type: 'string', enum: ['random', 'burst'] }] } as const;
const PARAMS = { type: 'object', maxProperties: 11, propertyNames: { enum: PARAM_NAMES }, additionalProperties: NUMBERISH } as const;
const TEST_ID = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } as const;
const ID_PARAMS = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: TEST_ID } } as const;

const CREATE_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['num_participants', 'duration_seconds'],
  properties: {
    test_id: TEST_ID,
    num_participants: { type: 'integer', minimum: 1, maximum: 100000 },
    duration_seconds: { type: 'number', exclusiveMinimum: 0, maximum: 86400 },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
    target: { type: 'string', maxLength: 300, pattern: '^udp://' },
    transport: { type: 'string', enum: ['udp', 'webrtc'] },
    video: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        codec: { type: 'string', enum: ['h264', 'H264'] },
        width: { type: 'integer', minimum: 16, maximum: 7680 },
        height: { type: 'integer', minimum: 16, maximum: 4320 },
        fps: { type: 'number', minimum: 1, maximum: 120 },
        framerate: { type: 'number', minimum: 1, maximum: 120 },
        bitrate_kbps: { type: 'number', exclusiveMinimum: 0, maximum: 100000 },
      },
    },
    audio: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        codec: { type: 'string', enum: ['opus', 'Opus'] },
        bitrate_kbps: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
        ptime_ms: { type: 'integer', enum: [10, 20, 40, 60] },
      },
    },
    spikes: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: {
          spike_id: TEST_ID,
          type: { type: 'string', enum: SPIKE_TYPES },
          count: { type: 'integer', minimum: 1, maximum: 10000 },
          at_seconds: { type: 'number', minimum: 0, maximum: 86400 },
          duration_seconds: { type: 'number', exclusiveMinimum: 0, maximum: 86400 },
          participant_ids: { type: 'array', maxItems: 100000, items: { type: 'integer', minimum: 0, maximum: 4294967295 } },
          params: PARAMS,
        },
      },
    },
    spike_distribution: {
      type: 'object',
      additionalProperties: false,
      properties: {
        strategy: { type: 'string', enum: ['even', 'random', 'front_loaded', 'back_loaded', 'legacy', 'wave', 'burst'] },
        min_spacing_seconds: { type: 'number', minimum: 0, maximum: 86400 },
        jitter_percent: { type: 'number', minimum: 0, maximum: 100 },
        respect_min_offset: { type: 'boolean' },
      },
    },
  },
} as const;

const SPIKE_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'duration_seconds'],
  properties: {
    spike_id: TEST_ID,
    type: { type: 'string', enum: SPIKE_TYPES },
    duration_seconds: { type: 'number', exclusiveMinimum: 0, maximum: 86400 },
    participant_ids: { type: 'array', maxItems: 100000, items: { type: 'integer', minimum: 0, maximum: 4294967295 } },
    params: PARAMS,
  },
} as const;

type Params = Partial<Record<(typeof PARAM_NAMES)[number], number | string>>;

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

interface CreateBody {
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
function liveParams(type: SpikeType, params: Params = {}): SpikeParams {
  const percent = (name: keyof Params): number | undefined => {
    const v = num(params[name]);
    if (v !== undefined && (v < 0 || v > 100)) throw new RegistryError(400, 'E_REQUEST', `params.${name} must be within 0..100, found ${v}`);
    return v;
  };
  switch (type) {
    case 'rtp_packet_loss':
      if (params.loss_percentage === undefined) throw new RegistryError(400, 'E_REQUEST', 'rtp_packet_loss needs params.loss_percentage');
      return { lossPercent: percent('loss_percentage'), pattern: params.pattern === 'burst' ? 'burst' : 'random', meanBurstPackets: num(params.mean_burst_packets) ?? 3 };
    case 'network_jitter':
      return { baseLatencyMs: num(params.base_latency_ms) ?? 0, jitterStdDevMs: num(params.jitter_std_dev_ms) ?? 0 };
    case 'bitrate_reduce':
      return { reductionPercent: percent('reduction_percent') ?? 50, transitionMs: (num(params.transition_seconds) ?? 0) * 1000 };
    case 'frame_drop':
      return { dropPercent: percent('drop_percentage') ?? 0 };
    case 'bandwidth_limit': {
      const kbps = num(params.bandwidth_kbps);
      if (!kbps || kbps <= 0) throw new RegistryError(400, 'E_REQUEST', 'bandwidth_limit needs params.bandwidth_kbps > 0');
      return { bandwidthKbps: kbps, queueMs: num(params.queue_ms) ?? 200 };
    }
  }
}

/** The interactive chaos API, in the original platform's shape. */
export function registerTestRoutes(app: FastifyInstance, registry: RunRegistry, limits: { maxParticipants: number }): void {
  app.post<{ Body: CreateBody }>('/api/v1/test/create', { schema: { summary: 'Create a test (original platform shape)', body: CREATE_BODY } }, async (request, reply) => {
    const id = request.body.test_id ?? Math.random().toString(36).slice(2, 10);
    const scenario = scenarioFromBody(scenarioDocumentFromCreate(request.body, id), limits);
    const entry = registry.create(scenario, 'test', id);
    return reply.code(201).send({ test_id: entry.id, state: entry.state, participants: scenario.participants.count, duration_seconds: scenario.durationMs / 1000 });
  });

  app.post<{ Params: { id: string } }>('/api/v1/test/:id/start', { schema: { params: ID_PARAMS } }, async (request) => {
    const entry = registry.start(request.params.id);
    return { test_id: entry.id, state: entry.state };
  });

  app.post<{ Params: { id: string } }>('/api/v1/test/:id/stop', { schema: { params: ID_PARAMS } }, async (request) => {
    const entry = registry.cancel(request.params.id);
    return { test_id: entry.id, state: entry.state };
  });

  app.get<{ Params: { id: string } }>('/api/v1/test/:id/metrics', { schema: { params: ID_PARAMS } }, async (request) => {
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
      packet_loss_percent: p?.measured?.lossPercent ?? null,
      jitter_ms: p?.measured?.jitterMs ?? null,
      mos: p?.measured?.mos ?? null,
      verdict: entry.outcome ? { status: entry.outcome.result.status, exit_code: entry.outcome.exitCode } : null,
    };
  });

  app.post<{ Params: { id: string }; Body: { spike_id?: string; type: SpikeType; duration_seconds: number; participant_ids?: number[]; params?: Params } }>(
    '/api/v1/test/:id/spike',
    { schema: { summary: 'Inject a spike now', params: ID_PARAMS, body: SPIKE_BODY } },
    async (request) => {
      const entry = registry.get(request.params.id);
      if (!entry.run || entry.state !== 'running') throw new RegistryError(409, 'E_STATE', `test ${entry.id} is ${entry.state}; spikes can be injected while it runs`);
      let planned;
      try {
        planned = entry.run.injectSpike({ type: request.body.type, durationMs: request.body.duration_seconds * 1000, params: liveParams(request.body.type, request.body.params), participantIds: request.body.participant_ids ?? [] });
      } catch (error) {
        if (error instanceof RegistryError) throw error;
        throw new RegistryError(400, 'E_REQUEST', (error as Error).message);
      }
      return { spike_id: request.body.spike_id ?? planned.id, id: planned.id, type: planned.type, start_ms: planned.startMs, end_ms: planned.endMs, participant_ids: planned.participantIds };
    },
  );

  const SDP_PARAMS = { type: 'object', additionalProperties: false, required: ['id', 'participant_id'], properties: { id: TEST_ID, participant_id: { type: 'string', pattern: '^\\d{1,10}$' } } } as const;
  app.get<{ Params: { id: string; participant_id: string } }>('/api/v1/test/:id/sdp/:participant_id', { schema: { params: SDP_PARAMS } }, async (request) => {
    const entry = registry.get(request.params.id);
    if (!entry.run?.sdpOffer) throw new RegistryError(409, 'E_STATE', `test ${entry.id} has no WebRTC participants waiting for signaling (transport ${entry.scenario.participants.transport}, state ${entry.state})`);
    return { participant_id: Number(request.params.participant_id), sdp_offer: await entry.run.sdpOffer(Number(request.params.participant_id)) };
  });
  app.post<{ Params: { id: string; participant_id: string }; Body: { sdp_answer: string } }>(
    '/api/v1/test/:id/sdp/:participant_id',
    { schema: { params: SDP_PARAMS, body: { type: 'object', additionalProperties: false, required: ['sdp_answer'], properties: { sdp_answer: { type: 'string', minLength: 10, maxLength: 65536, pattern: '^v=0' } } } } },
    async (request) => {
      const entry = registry.get(request.params.id);
      if (!entry.run?.sdpAnswer) throw new RegistryError(409, 'E_STATE', `test ${entry.id} has no WebRTC participants waiting for signaling`);
      await entry.run.sdpAnswer(Number(request.params.participant_id), request.body.sdp_answer);
      return { participant_id: Number(request.params.participant_id), state: 'answer applied' };
    },
  );
}
