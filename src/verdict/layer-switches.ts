import type { Plan, PlannedSpike } from '../plan/types.js';
import type { StreamReport, WindowStats } from '../probe/index.js';
import type { MetricValues, StreamResult } from '../result/types.js';

/**
 * The simulcast switch figures of one stream (the verdict's `layer_switches`, `layer_switch_ms`),
 * from the layer changes the probe recorded (`StreamReport.layers.changes`) and the plan's
 * layer_switch spikes. Pure.
 */

/** Layer number (0 = the lowest) of a rid in the plan's simulcast list (highest first); -1 when unknown. */
export function layerNumber(plan: Plan, rid: string | null | undefined): number {
  const layers = plan.media.video?.simulcast ?? [];
  const at = rid ? layers.findIndex((l) => l.rid === rid) : -1;
  return at < 0 ? -1 : layers.length - 1 - at;
}

/** The layer viewer `viewer` (index into the plan's viewers; 0 without them) subscribes to outside layer_switch spikes: its `viewers:` layer, else the top one. */
export function homeLayer(plan: Plan, viewer = 0): number {
  const layers = plan.media.video?.simulcast ?? [];
  const home = layerNumber(plan, plan.viewers?.[viewer]?.layer ?? null);
  return home >= 0 ? home : layers.length - 1;
}

/**
 * Changes of the layer received inside the scope's windows; null without layer information or
 * without windows in the scope (as every count: a stream no spike touched has nothing during
 * spikes, e.g. the copy of a viewer another viewer's switch left alone). Neither the first layer
 * seen nor the changes that lead from it to the viewer's `home` layer count: that is the SFU
 * settling on the layer the subscription asked for (Janus forwards another layer until the
 * requested one's keyframe), not a switch. A stream that never reaches its home layer counts
 * every change.
 */
export function layerSwitches(report: StreamReport, scope: readonly WindowStats[], windowMs: number, home: number): number | null {
  const changes = report.layers?.changes;
  if (!changes || scope.length === 0) return null;
  const inScope = new Set(scope.map((w) => w.index));
  const settled = changes.findIndex((c) => c.layer === home);
  let count = 0;
  for (let i = Math.max(1, settled + 1); i < changes.length; i++) if (inScope.has(Math.floor(changes[i].atMs / windowMs))) count++;
  return count;
}

/**
 * The mean time (ms) from each switch request in the scope to the first packet of the requested
 * layer's keyframe: a layer_switch spike on the stream's viewer (`viewer`, index into the plan's
 * viewers; 0 without them) requests its layer at its start and that viewer's home layer back at
 * its end (when the run is still going). A request never answered counts as the time left until
 * the run ended, so an assertion on it fails. Null without layer information or without requests
 * in the scope.
 */
export function layerSwitchMs(report: StreamReport, spikes: readonly PlannedSpike[], plan: Plan, scope: readonly WindowStats[], windowMs: number, durationMs: number, viewer = 0): number | null {
  const changes = report.layers?.changes;
  if (!changes) return null;
  const inScope = new Set(scope.map((w) => w.index));
  const home = homeLayer(plan, viewer);
  const requests: { atMs: number; layer: number }[] = [];
  for (const spike of spikes) {
    if (spike.type !== 'layer_switch' || !(spike.viewerIds ?? [0]).includes(viewer)) continue;
    requests.push({ atMs: spike.startMs, layer: layerNumber(plan, spike.params.layer) });
    if (spike.endMs < durationMs) requests.push({ atMs: spike.endMs, layer: home });
  }
  let sum = 0;
  let count = 0;
  for (const request of requests) {
    if (request.layer < 0 || !inScope.has(Math.floor(request.atMs / windowMs))) continue;
    // Already on the layer: nothing to switch.
    const before = [...changes].reverse().find((c) => c.atMs <= request.atMs);
    if (before?.layer === request.layer) continue;
    const answer = changes.find((c) => c.atMs >= request.atMs && c.layer === request.layer);
    sum += (answer ? answer.atMs : durationMs) - request.atMs;
    count++;
  }
  return count > 0 ? sum / count : null;
}

/** The layer (0 = the lowest) a stream received most frames of in window `index`; -1 when none. */
function mainLayer(report: StreamReport, index: number): number {
  const frames = report.layers?.frames ?? [];
  let best = -1;
  let most = 0;
  for (let layer = 0; layer < frames.length; layer++) {
    const n = frames[layer][index] ?? 0;
    if (n > most) {
      most = n;
      best = layer;
    }
  }
  return best;
}

/** `StreamResult.layers`: each scope's metrics narrowed to the windows in which the stream mostly received each layer; nothing without layer information. */
export function layerResults(
  report: StreamReport,
  plan: Plan,
  scopes: Record<'whole' | 'duringSpikes' | 'baseline', readonly WindowStats[]>,
  metricsOf: (windows: readonly WindowStats[]) => MetricValues,
): Pick<StreamResult, 'layers'> {
  const simulcast = plan.media.video?.simulcast;
  if (!report.layers || !simulcast) return {};
  const layers: NonNullable<StreamResult['layers']> = {};
  for (const { rid } of simulcast) {
    const layer = layerNumber(plan, rid);
    const on = (windows: readonly WindowStats[]): readonly WindowStats[] => windows.filter((w) => mainLayer(report, w.index) === layer);
    layers[rid] = { whole: metricsOf(on(scopes.whole)), duringSpikes: metricsOf(on(scopes.duringSpikes)), baseline: metricsOf(on(scopes.baseline)) };
  }
  return { layers };
}
