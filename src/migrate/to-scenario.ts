import path from 'node:path';
import { formatDuration } from '../scenario/units.js';
import type { ScenarioDocument, SpikeTypeSpec } from '../scenario/types.js';
import { ORIGINAL_DEFAULTS, type OriginalConfig } from './original-config.js';

/** A converted config: the scenario document and what a reader should know about the conversion. */
export interface Conversion {
  document: ScenarioDocument;
  /** How the original's behaviour maps, and where avcm differs; printed as comments above the scenario. */
  notes: string[];
}

const STRATEGIES = ['even', 'random', 'front_loaded', 'back_loaded', 'legacy', 'wave', 'burst'] as const;
type Strategy = (typeof STRATEGIES)[number];

/** A name the scenario language accepts, from a file name. */
export function scenarioNameFor(file: string): string {
  const base = path.basename(file, path.extname(file)).toLowerCase().replace(/[^a-z0-9-_.]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return `imported-${base || 'config'}`.slice(0, 100);
}

/** `{ min, max }`, or one number when they are equal. */
function ranged(min: number, max: number): number | { min: number; max: number } {
  return min === max ? min : { min, max };
}

/** A value the original treats as unset when missing or 0 (its applyDefaults). */
function orDefault(value: number | undefined, fallback: number): number {
  return value === undefined || value <= 0 ? fallback : value;
}

/**
 * Converts the original platform's chaos-test config into an equivalent scenario:
 * - num_participants, duration_seconds, media_path -> participants.count, duration, media files;
 * - spikes.count events of spikes.duration_seconds_min..max, their type drawn per event from
 *   spikes.types by weight -> one spike entry with a weighted `pool` (a loss type's `patterns`
 *   split its weight evenly, as the original picks one of them at random);
 * - each type's `<param>_min` / `<param>_max` -> that parameter's { min, max };
 * - participant_selection (single / multiple / all weights, multiple_count_min..max) -> a
 *   weighted participant pool: 1, { min, max }, all;
 * - spike_distribution and spikes.interval_seconds -> distribution (legacy: the original's fixed
 *   ticker, first spike one interval in).
 * Fields left out or 0 take the original's defaults. Where avcm must differ (events that would not
 * fit the run, whole-number draws, duplicate ids) the notes say so.
 */
export function convertOriginalConfig(config: OriginalConfig, name: string): Conversion {
  const notes: string[] = [];
  const d = ORIGINAL_DEFAULTS;
  const participants = orDefault(config.num_participants, d.num_participants);
  const durationS = orDefault(config.duration_seconds, d.duration_seconds);
  const spikes = config.spikes ?? {};
  let count = orDefault(spikes.count, d.count);
  const intervalS = orDefault(spikes.interval_seconds, d.interval_seconds);
  let minDurationS = orDefault(spikes.duration_seconds_min, d.duration_seconds_min);
  let maxDurationS = orDefault(spikes.duration_seconds_max, d.duration_seconds_max);
  if (minDurationS > maxDurationS) {
    [minDurationS, maxDurationS] = [maxDurationS, minDurationS];
    notes.push('spikes.duration_seconds_min was above _max; swapped');
  }
  if (maxDurationS > durationS) {
    notes.push(`spikes last up to ${maxDurationS}s but the run is ${durationS}s; capped at the run`);
    maxDurationS = durationS;
    minDurationS = Math.min(minDurationS, maxDurationS);
  }

  // Spike types: the weighted pool.
  const types = spikes.types && Object.keys(spikes.types).length > 0 ? spikes.types : d.types;
  if (!spikes.types || Object.keys(spikes.types).length === 0) notes.push("spikes.types was empty: the original's default types and weights are used");
  const pool: (SpikeTypeSpec & { weight: number })[] = [];
  for (const [type, spec] of Object.entries(types)) {
    const weight = spec.weight ?? 0;
    if (weight <= 0) continue;
    const params = (spec.params ?? {}) as Record<string, unknown>;
    const range = (param: string): number | { min: number; max: number } => {
      const [fallbackMin, fallbackMax] = d.params[param];
      let min = typeof params[`${param}_min`] === 'number' ? (params[`${param}_min`] as number) : fallbackMin;
      let max = typeof params[`${param}_max`] === 'number' ? (params[`${param}_max`] as number) : fallbackMax;
      if (min > max) {
        [min, max] = [max, min];
        notes.push(`spikes.types.${type}.params.${param}_min was above _max; swapped`);
      }
      return ranged(min, max);
    };
    switch (type) {
      case 'rtp_packet_loss': {
        const listed = Array.isArray(params.patterns) ? params.patterns.filter((p): p is 'random' | 'burst' => p === 'random' || p === 'burst') : [];
        const patterns = listed.length > 0 ? listed : (['random', 'burst'] as const);
        for (const pattern of patterns) pool.push({ type, weight: round(weight / patterns.length), loss_percentage: range('loss_percentage'), pattern });
        break;
      }
      case 'network_jitter':
        pool.push({ type, weight, base_latency_ms: range('base_latency_ms'), jitter_std_dev_ms: range('jitter_std_dev_ms') });
        break;
      case 'frame_drop':
        pool.push({ type, weight, drop_percentage: range('drop_percentage') });
        break;
      case 'bitrate_reduce': {
        const t = range('transition_seconds');
        pool.push({ type, weight, reduction_percent: range('reduction_percent'), transition: typeof t === 'number' ? `${t}s` : { min: `${t.min}s`, max: `${t.max}s` } });
        break;
      }
      case 'bandwidth_limit':
        pool.push({ type, weight, bandwidth_kbps: range('bandwidth_kbps') });
        notes.push("bandwidth_limit: the original's chaos-test tool injected nothing for this type; avcm limits the bandwidth");
        break;
      default:
        notes.push(`spike type "${type}" is unknown to avcm and was left out (the original's chaos-test injected nothing for it either)`);
    }
  }
  if (pool.length === 0) throw new Error('no spike type has a weight above 0 (the original tool would fail to draw one)');

  // Participant selection: the weighted pool of single / multiple / all.
  const given = spikes.participant_selection;
  const selection = given && ((given.single_weight ?? 0) > 0 || (given.multiple_weight ?? 0) > 0) ? given : d.participant_selection;
  if (selection !== given) notes.push("participant_selection had no single or multiple weight: the original's default selection is used");
  let multipleMin = orDefault(selection.multiple_count_min, d.participant_selection.multiple_count_min);
  let multipleMax = orDefault(selection.multiple_count_max, d.participant_selection.multiple_count_max);
  if (multipleMin > multipleMax) [multipleMin, multipleMax] = [multipleMax, multipleMin];
  if (multipleMax > participants) {
    notes.push(`multiple_count_max ${multipleMax} is above the ${participants} participants; capped`);
    multipleMax = participants;
    multipleMin = Math.min(multipleMin, multipleMax);
  }
  const choices = [
    { weight: selection.single_weight ?? 0, participants: 1 as const },
    { weight: selection.multiple_weight ?? 0, participants: ranged(multipleMin, multipleMax) },
    { weight: selection.all_weight ?? 0, participants: 'all' as const },
  ].filter((c) => c.weight > 0);
  notes.push('"multiple" picks distinct participants (the original could pick one id twice)');

  // Distribution: the configured strategy; legacy is the original's fixed ticker.
  const dist = config.spike_distribution ?? {};
  const strategyName = dist.strategy ?? d.distribution.strategy;
  const strategy: Strategy = (STRATEGIES as readonly string[]).includes(strategyName) ? (strategyName as Strategy) : 'legacy';
  if (strategy !== strategyName) notes.push(`spike_distribution.strategy "${strategyName}" is unknown; legacy (the fixed ticker) is used`);
  const minSpacingS = orDefault(dist.min_spacing_seconds, d.distribution.min_spacing_seconds);
  const jitterPercent = dist.jitter_percent ?? d.distribution.jitter_percent;
  // The ticker's first spike comes one interval in: for legacy the offset (min_spacing) is the interval.
  const spacingS = strategy === 'legacy' ? intervalS : minSpacingS;
  const respectOffset = dist.respect_min_offset ?? true;
  const earliestS = respectOffset ? spacingS : 0;
  const fit = Math.max(0, Math.floor((durationS - maxDurationS - earliestS) / spacingS) + 1);
  if (count > fit) {
    notes.push(`${count} spikes ${spacingS}s apart (each up to ${maxDurationS}s) do not fit ${durationS}s: ${fit} do (the original stopped injecting at the end of the run; avcm ends every spike within it)`);
    count = fit;
  }
  if (strategy !== 'legacy') notes.push(`the original's chaos-test tool injected on its fixed ticker whatever the strategy; avcm places spikes by strategy ${strategy} (use legacy for the ticker)`);
  notes.push('parameters and durations are drawn as real numbers in [min, max] from the seed (the original drew whole numbers, unseeded)');

  const document: ScenarioDocument = {
    version: 1,
    name,
    description: `Imported from the original platform's chaos-test config: ${participants} participants, ${count} spikes of weighted types on weighted participant selections.`,
    duration: formatDuration(durationS * 1000),
    participants: { count: participants },
  };
  if (config.media_path) {
    document.media = { video: { file: config.media_path }, audio: { file: config.media_path } };
    notes.push(`media_path ${config.media_path} is read relative to this scenario file (the original read it relative to its project root)`);
  }
  if (count > 0) {
    const timing = { count, duration: minDurationS === maxDurationS ? `${minDurationS}s` : { min: `${minDurationS}s`, max: `${maxDurationS}s` } };
    const targets = { participants: choices.length === 1 ? choices[0].participants : { pool: choices } };
    const single = pool.length === 1 ? (({ weight: _weight, ...rest }) => rest)(pool[0]) : null;
    document.spikes = [single ? { ...timing, ...single, ...targets } : { ...timing, pool, ...targets }];
  }
  document.distribution = {
    strategy,
    min_spacing: `${spacingS}s`,
    jitter_percent: jitterPercent,
    ...(strategy === 'legacy' ? { interval: `${intervalS}s` } : {}),
    ...(dist.respect_min_offset !== undefined ? { respect_min_offset: dist.respect_min_offset } : {}),
  };
  if (config.base_url) notes.push(`base_url ${config.base_url} is not needed: avcm runs the participants itself (avcm serve offers the original's REST API)`);
  if (config.metrics?.display_interval_seconds) notes.push('metrics.display_interval_seconds: avcm prints progress every second on a terminal, every 5 s in logs');
  return { document, notes };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
