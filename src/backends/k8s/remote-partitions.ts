import { lineReader, type AgentEvent, type EngineStats } from '../../engine/index.js';
import type { EngineTotals } from '../backend.js';
import { PartitionHealthLog, sumEngineStats } from '../engine-totals.js';

interface PartitionState {
  ready: boolean;
  done: boolean;
  stats: EngineStats | null;
  error: (AgentEvent & { type: 'error' }) | null;
  restarts: number;
}

/**
 * What remote engines (pods, containers) reported through their logs, one JSON line at a time.
 * The same aggregation as the local backend: counters summed, lateness histograms merged.
 */
export class RemotePartitions {
  private readonly states: PartitionState[];
  private readonly health = new PartitionHealthLog();

  constructor(readonly partitions: number) {
    this.states = Array.from({ length: partitions }, () => ({ ready: false, done: false, stats: null, error: null, restarts: 0 }));
  }

  /** A reader for one partition's log stream (chunks split lines anywhere); non-protocol lines are ignored. */
  reader(partition: number): (chunk: Buffer | string) => void {
    return lineReader<AgentEvent>((event) => this.onEvent(partition, event));
  }

  onEvent(partition: number, event: AgentEvent): void {
    const state = this.states[partition];
    if (!state) return;
    if (event.type === 'ready') state.ready = true;
    else if (event.type === 'stats') state.stats = event.stats;
    else if (event.type === 'health') this.health.add(partition, event.windows);
    else if (event.type === 'done') {
      state.stats = event.stats;
      state.done = true;
    } else if (event.type === 'error') state.error = event;
  }

  /** A container restarted: its log starts over (ready again, then stats from its late join). */
  setRestarts(partition: number, count: number): void {
    const state = this.states[partition];
    if (state) state.restarts = count;
  }

  get readyCount(): number {
    return this.states.filter((s) => s.ready).length;
  }

  get doneCount(): number {
    return this.states.filter((s) => s.done).length;
  }

  firstError(): { partition: number; code: string; message: string; hint?: string } | null {
    const index = this.states.findIndex((s) => s.error !== null);
    return index < 0 ? null : { ...this.states[index].error!, partition: index };
  }

  restarts(): { partition: number; count: number }[] {
    return this.states.map((s, partition) => ({ partition, count: s.restarts })).filter((r) => r.count > 0);
  }

  totals(): EngineTotals {
    return sumEngineStats(this.states.map((s) => s.stats), this.readyCount, this.doneCount, this.health);
  }
}

