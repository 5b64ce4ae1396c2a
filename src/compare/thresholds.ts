import { AvcmError } from '../errors/index.js';
import { WORSE_WHEN, type ComparedMetric } from '../result/worse-when.js';
import { DEFAULT_ABSOLUTE, DEFAULT_RELATIVE_PERCENT, type Threshold } from './metric-direction.js';

const VALUE = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/;

/**
 * The thresholds of every metric from `--threshold` values, applied in order:
 * - `N%` sets the relative bound of every metric not named on its own (default 10 %);
 * - `METRIC=N` (absolute, in the metric's unit) or `METRIC=N%` (relative) replace that metric's
 *   default bounds; naming a metric twice sets both bounds (`mos=0.2 mos=5%`).
 * Throws AvcmError E_USAGE for an unknown metric or a malformed value.
 */
export function resolveThresholds(specs: readonly string[]): Record<ComparedMetric, Threshold> {
  let relativeDefault: number = DEFAULT_RELATIVE_PERCENT;
  const own = new Map<ComparedMetric, Threshold>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const valueText = eq < 0 ? spec : spec.slice(eq + 1);
    const match = VALUE.exec(valueText);
    if (!match) throw new AvcmError('E_USAGE', `--threshold "${spec}": expected N%, METRIC=N or METRIC=N%`, { hint: 'e.g. --threshold 5% --threshold packet_loss_percent=0.5 --threshold mos=0.1' });
    const value = Number(match[1]);
    const relative = match[2] === '%';
    if (eq < 0) {
      if (!relative) throw new AvcmError('E_USAGE', `--threshold "${spec}": a threshold for every metric is a percentage (like 10%); absolute ones name their metric (mos=0.1)`);
      relativeDefault = value;
      continue;
    }
    const metric = spec.slice(0, eq).trim() as ComparedMetric;
    if (!(metric in WORSE_WHEN)) throw new AvcmError('E_USAGE', `--threshold "${spec}": unknown metric "${metric}"`, { hint: `metrics: ${Object.keys(WORSE_WHEN).join(', ')}` });
    const threshold = own.get(metric) ?? { relativePercent: null, absolute: null };
    if (relative) threshold.relativePercent = value;
    else threshold.absolute = value;
    own.set(metric, threshold);
  }
  const out = {} as Record<ComparedMetric, Threshold>;
  for (const metric of Object.keys(WORSE_WHEN) as ComparedMetric[]) out[metric] = own.get(metric) ?? { relativePercent: relativeDefault, absolute: DEFAULT_ABSOLUTE[metric] };
  return out;
}

/** `> 10 % and > 0.5`, for tables. */
export function formatThreshold(t: Threshold): string {
  const parts = [t.relativePercent === null ? null : `${t.relativePercent} %`, t.absolute === null ? null : String(t.absolute)].filter((p) => p !== null);
  return parts.length === 0 ? 'any' : `> ${parts.join(' and > ')}`;
}
