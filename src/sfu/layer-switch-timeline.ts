import type { Plan } from '../plan/types.js';
import type { SfuAdapter } from './adapter.js';

/** One request the timeline made: when (epoch ms), for which viewer (index into the plan's viewers) and participant, which layer, and whether the SFU took it. */
export interface LayerRequest {
  atEpochMs: number;
  viewer: number;
  participantId: number;
  substream: number;
  error: string | null;
}

/** Layer number (0 = the lowest, Janus's `substream`) of a rid in the plan's simulcast list (highest first); -1 when unknown. */
function substreamOf(plan: Plan, rid: string | null | undefined): number {
  const layers = plan.media.video?.simulcast ?? [];
  const at = rid ? layers.findIndex((l) => l.rid === rid) : -1;
  return at < 0 ? -1 : layers.length - 1 - at;
}

/**
 * Every viewer the probe plays choosing layers through the SFU, each on its own subscriptions:
 * its `viewers:` layer before it subscribes, then each `layer_switch` spike that targets it asks
 * for the spike's layer at the spike's start and for the viewer's own layer back at its end, for
 * the spike's participants (all when it names none). Requests go through `SfuAdapter.setLayer`
 * (Janus: VideoRoom `configure` with `substream` on that viewer's subscriber handle); a failed one
 * is recorded, never thrown, so the run measures what happened.
 */
export class LayerSwitchTimeline {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly requests: LayerRequest[] = [];
  /** Each viewer's own layer (substream), by viewer index. */
  private readonly homes: number[];

  private constructor(
    private readonly plan: Plan,
    private readonly adapter: SfuAdapter & Required<Pick<SfuAdapter, 'setLayer'>>,
  ) {
    const top = (plan.media.video?.simulcast?.length ?? 1) - 1;
    this.homes = (plan.viewers ?? []).map((viewer) => {
      const home = substreamOf(plan, viewer.layer);
      return home >= 0 ? home : top;
    });
  }

  /** The timeline for a plan with simulcast and viewers through an adapter that chooses layers; null when there is nothing to choose. */
  static forPlan(plan: Plan, adapter: SfuAdapter): LayerSwitchTimeline | null {
    if (!plan.media.video?.simulcast || !plan.viewers || !adapter.setLayer) return null;
    return new LayerSwitchTimeline(plan, adapter as SfuAdapter & Required<Pick<SfuAdapter, 'setLayer'>>);
  }

  /** Before the probe subscribes: every viewer's subscriptions ask for that viewer's layer. */
  async subscribeAtHome(): Promise<void> {
    for (const [viewer, home] of this.homes.entries()) for (const p of this.plan.participants) await this.adapter.setLayer(viewer, p.id, home);
  }

  /** Schedules the spikes' requests on the run's clock (`runStartEpochMs` = run ms 0). */
  start(runStartEpochMs: number): void {
    const everyone = this.plan.participants.map((p) => p.id);
    for (const spike of this.plan.spikes) {
      if (spike.type !== 'layer_switch') continue;
      const targets = spike.participantIds.length > 0 ? spike.participantIds : everyone;
      const layer = substreamOf(this.plan, spike.params.layer);
      if (layer < 0) continue;
      for (const viewer of spike.viewerIds ?? [0]) {
        if (viewer >= this.homes.length) continue;
        this.at(runStartEpochMs + spike.startMs, viewer, targets, layer);
        if (spike.endMs < this.plan.durationMs) this.at(runStartEpochMs + spike.endMs, viewer, targets, this.homes[viewer]);
      }
    }
  }

  private at(epochMs: number, viewer: number, participantIds: readonly number[], substream: number): void {
    const timer = setTimeout(() => {
      for (const participantId of participantIds) {
        const request: LayerRequest = { atEpochMs: Date.now(), viewer, participantId, substream, error: null };
        this.requests.push(request);
        this.adapter.setLayer(viewer, participantId, substream).catch((error: unknown) => (request.error = (error as Error).message));
      }
    }, Math.max(0, epochMs - Date.now()));
    timer.unref();
    this.timers.push(timer);
  }

  /** Every request made so far. */
  records(): LayerRequest[] {
    return this.requests.map((r) => ({ ...r }));
  }

  /** Cancels the requests not yet made. Idempotent. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.length = 0;
  }
}
