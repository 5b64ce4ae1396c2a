/**
 * The JSON Schemas of every body, path parameter and query string the server accepts. Each object
 * schema rejects unknown properties (never strips them) and bounds every number and string, so
 * bad input is a 400 with the path and the reason. The OpenAPI document is generated from these.
 */

/** Run / test ids: safe as a folder name (the run's report folder) and in URLs. */
export const ID = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'run id: 1-64 of A-Z a-z 0-9 _ . -' } as const;

export const ID_PARAMS = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: ID } } as const;

export const REPORT_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind'],
  properties: { id: ID, kind: { type: 'string', enum: ['html', 'xml', 'json'] } },
} as const;

/** The states a run can be in (see RunState). */
export const RUN_STATES = ['created', 'queued', 'running', 'passed', 'failed', 'inconclusive', 'error', 'cancelled'] as const;

export const LIST_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: RUN_STATES },
    // Query strings are text and the validator does not coerce types (bodies must be exact), so a numeric pattern.
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: 'how many of the newest runs, 1..1000' },
  },
} as const;

export const METRICS_QUERY = { type: 'object', additionalProperties: false, properties: { names: { type: 'string', enum: ['original'] } } } as const;

/** A scenario document as YAML/JSON text (parsed and validated by the scenario validator, with line numbers). */
export const SCENARIO_BODY = { type: 'string', minLength: 1, description: 'a scenario document (YAML or JSON text), see schemas/scenario.schema.json' } as const;

export const SPIKE_TYPES = ['rtp_packet_loss', 'network_jitter', 'bitrate_reduce', 'frame_drop', 'bandwidth_limit'] as const;
export const SPIKE_PARAM_NAMES = [
  'loss_percentage',
  'pattern',
  'mean_burst_packets',
  'base_latency_ms',
  'jitter_std_dev_ms',
  'reduction_percent',
  'new_bitrate_kbps',
  'transition_seconds',
  'drop_percentage',
  'bandwidth_kbps',
  'queue_ms',
] as const;

/** The original platform sends numbers as strings ("15"); both are accepted, within bounds. */
const NUMBERISH = {
  anyOf: [
    { type: 'number', minimum: 0, maximum: 1e9 },
    { type: 'string', pattern: '^\\s*\\d{1,9}(\\.\\d{1,6})?\\s*$', maxLength: 20 },
    { type: 'string', enum: ['random', 'burst'] },
  ],
} as const;
export const SPIKE_PARAMS = { type: 'object', maxProperties: SPIKE_PARAM_NAMES.length, propertyNames: { enum: SPIKE_PARAM_NAMES }, additionalProperties: NUMBERISH } as const;

const PARTICIPANT_IDS = { type: 'array', maxItems: 100_000, items: { type: 'integer', minimum: 0, maximum: 4_294_967_295 } } as const;
const SECONDS = { type: 'number', exclusiveMinimum: 0, maximum: 86_400 } as const;

export const CREATE_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['num_participants', 'duration_seconds'],
  properties: {
    test_id: ID,
    num_participants: { type: 'integer', minimum: 1, maximum: 100_000 },
    duration_seconds: SECONDS,
    seed: { type: 'integer', minimum: 0, maximum: 4_294_967_295 },
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
        bitrate_kbps: { type: 'number', exclusiveMinimum: 0, maximum: 100_000 },
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
          spike_id: ID,
          type: { type: 'string', enum: SPIKE_TYPES },
          count: { type: 'integer', minimum: 1, maximum: 10_000 },
          at_seconds: { type: 'number', minimum: 0, maximum: 86_400 },
          duration_seconds: SECONDS,
          participant_ids: PARTICIPANT_IDS,
          params: SPIKE_PARAMS,
        },
      },
    },
    spike_distribution: {
      type: 'object',
      additionalProperties: false,
      properties: {
        strategy: { type: 'string', enum: ['even', 'random', 'front_loaded', 'back_loaded', 'legacy', 'wave', 'burst'] },
        min_spacing_seconds: { type: 'number', minimum: 0, maximum: 86_400 },
        jitter_percent: { type: 'number', minimum: 0, maximum: 100 },
        respect_min_offset: { type: 'boolean' },
      },
    },
  },
} as const;

export const SPIKE_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'duration_seconds'],
  properties: {
    spike_id: ID,
    type: { type: 'string', enum: SPIKE_TYPES },
    duration_seconds: SECONDS,
    participant_ids: PARTICIPANT_IDS,
    params: SPIKE_PARAMS,
  },
} as const;

export const SDP_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'participant_id'],
  properties: { id: ID, participant_id: { type: 'string', pattern: '^\\d{1,10}$' } },
} as const;

export const SDP_ANSWER_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['sdp_answer'],
  properties: { sdp_answer: { type: 'string', minLength: 10, maxLength: 65_536, pattern: '^v=0' } },
} as const;

/** Error bodies: `error` is a stable code, `message` says what to fix, `path` points at the input. */
export const ERROR_RESPONSE = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    path: { type: 'string' },
    problems: { type: 'array', items: { type: 'object', properties: { line: { type: 'integer' }, col: { type: 'integer' }, path: { type: 'string' }, message: { type: 'string' } } } },
  },
} as const;
