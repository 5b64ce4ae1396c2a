/**
 * The original platform's chaos-test configuration (`config/config.json` of its `tools/chaos-test`),
 * as far as `avcm import` reads it, with the defaults that tool applies to fields left out or
 * given as 0 (its `applyDefaults`).
 */
export interface OriginalConfig {
  base_url?: string;
  media_path?: string;
  num_participants?: number;
  duration_seconds?: number;
  spikes?: {
    count?: number;
    interval_seconds?: number;
    /** Spike type -> its weight and `<param>_min` / `<param>_max` parameters (loss also `patterns`). */
    types?: Record<string, { weight?: number; params?: Record<string, unknown> }>;
    duration_seconds_min?: number;
    duration_seconds_max?: number;
    participant_selection?: {
      single_weight?: number;
      multiple_weight?: number;
      all_weight?: number;
      multiple_count_min?: number;
      multiple_count_max?: number;
    };
  };
  spike_distribution?: { strategy?: string; min_spacing_seconds?: number; jitter_percent?: number; respect_min_offset?: boolean };
  metrics?: { display_interval_seconds?: number };
}

/** What the original's tool uses for a field left out or 0 (its applyDefaults and chaos-test). */
export const ORIGINAL_DEFAULTS = {
  num_participants: 50,
  duration_seconds: 600,
  count: 70,
  interval_seconds: 5,
  duration_seconds_min: 2,
  duration_seconds_max: 8,
  distribution: { strategy: 'legacy', min_spacing_seconds: 5, jitter_percent: 15 },
  types: {
    rtp_packet_loss: { weight: 40, params: { loss_percentage_min: 1, loss_percentage_max: 25, patterns: ['random', 'burst'] } },
    network_jitter: { weight: 20, params: { base_latency_ms_min: 10, base_latency_ms_max: 50, jitter_std_dev_ms_min: 20, jitter_std_dev_ms_max: 200 } },
    frame_drop: { weight: 20, params: { drop_percentage_min: 10, drop_percentage_max: 60 } },
    bitrate_reduce: { weight: 20, params: { reduction_percent_min: 30, reduction_percent_max: 80, transition_seconds_min: 1, transition_seconds_max: 5 } },
  } as Record<string, { weight: number; params: Record<string, unknown> }>,
  participant_selection: { single_weight: 40, multiple_weight: 35, all_weight: 25, multiple_count_min: 2, multiple_count_max: 5 },
  /** Parameter defaults of each type when its params leave one out (chaos-test's GetIntParam fallbacks). */
  params: {
    loss_percentage: [1, 25],
    base_latency_ms: [10, 50],
    jitter_std_dev_ms: [20, 200],
    drop_percentage: [10, 60],
    reduction_percent: [30, 80],
    transition_seconds: [1, 5],
    bandwidth_kbps: [500, 2000],
  } as Record<string, [number, number]>,
} as const;

/**
 * Problems with the config's shape (a field of the wrong type), each as `path: what`; empty when
 * it can be converted. Unknown fields are not problems (the original ignores them too).
 */
export function configProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return ['expected a JSON object (the chaos-test config.json)'];
  const c = value as Record<string, unknown>;
  const number = (at: string, v: unknown): void => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) problems.push(`${at}: expected a number >= 0, found ${JSON.stringify(v)}`);
  };
  const object = (at: string, v: unknown): v is Record<string, unknown> | undefined => {
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) {
      problems.push(`${at}: expected an object, found ${JSON.stringify(v)}`);
      return false;
    }
    return true;
  };
  for (const key of ['base_url', 'media_path'] as const) if (c[key] !== undefined && typeof c[key] !== 'string') problems.push(`${key}: expected a string, found ${JSON.stringify(c[key])}`);
  number('num_participants', c.num_participants);
  number('duration_seconds', c.duration_seconds);
  if (object('spikes', c.spikes) && c.spikes) {
    const s = c.spikes as Record<string, unknown>;
    for (const key of ['count', 'interval_seconds', 'duration_seconds_min', 'duration_seconds_max']) number(`spikes.${key}`, s[key]);
    if (object('spikes.types', s.types) && s.types) {
      for (const [type, spec] of Object.entries(s.types as Record<string, unknown>)) {
        if (!object(`spikes.types.${type}`, spec) || !spec) continue;
        const t = spec as Record<string, unknown>;
        number(`spikes.types.${type}.weight`, t.weight);
        object(`spikes.types.${type}.params`, t.params);
      }
    }
    if (object('spikes.participant_selection', s.participant_selection) && s.participant_selection) {
      for (const [key, v] of Object.entries(s.participant_selection as Record<string, unknown>)) number(`spikes.participant_selection.${key}`, v);
    }
  }
  if (object('spike_distribution', c.spike_distribution) && c.spike_distribution) {
    const d = c.spike_distribution as Record<string, unknown>;
    if (d.strategy !== undefined && typeof d.strategy !== 'string') problems.push(`spike_distribution.strategy: expected a string, found ${JSON.stringify(d.strategy)}`);
    number('spike_distribution.min_spacing_seconds', d.min_spacing_seconds);
    number('spike_distribution.jitter_percent', d.jitter_percent);
  }
  return problems;
}
