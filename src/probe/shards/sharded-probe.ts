import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { AvcmError, type ErrorCode } from '../../errors/index.js';
import type { Endpoint } from '../../plan/types.js';
import { udpKernelCounters } from '../kernel-counters.js';
import { liveSummary, sortStreamRows, type LiveParts, type LiveStreamRow, type LiveSummary } from '../live-summary.js';
import type { RunningProbe } from '../running-probe.js';
import type { ProbeReport } from '../types.js';
import { mergeShardReports } from './merge-shard-reports.js';
import { udpSocketsBoundTo } from './port-sharers.js';
import type { FromShard, ShardFailure, ShardWorkerData, ToShard } from './shard-protocol.js';
import { startShardWorker } from './start-shard-worker.js';

/** How long a closing shard may take to end its thread before it is terminated, ms. */
const CLOSE_GRACE_MS = 5_000;

/** What a sharded probe is opened with: a probe's options (batched I/O is implied) and how many shards. */
export type ShardedProbeOptions = ShardWorkerData['options'] & {
  /** Worker threads, each with its own SO_REUSEPORT socket on the probe's port; at least 2. */
  shards: number;
};

/** One shard as the main thread sees it. */
interface Shard {
  readonly index: number;
  readonly worker: Worker;
  /** Its latest live parts; null until it posted some. */
  latest: LiveParts | null;
  latestRows: LiveStreamRow[] | null;
  /** Why it stopped, when it stopped by itself; null while it runs. */
  stopped: string | null;
}

/** Answers a shard's request waits for. */
interface Pending {
  shard: number;
  resolve: (message: FromShard) => void;
  reject: (error: Error) => void;
}

/**
 * A probe split over worker threads, for when one core cannot receive and measure every stream:
 * each shard is a `ProbeReceiver` on its own SO_REUSEPORT socket bound to the same port, and the
 * kernel hashes each source (address and port: one participant's socket) to one shard. This
 * facade offers what one probe offers: live figures merged from the shards' latest snapshots
 * (posted once a window) and a report merged exactly (`mergeShardReports`).
 */
export class ShardedProbe implements RunningProbe {
  readonly io = 'batched' as const;
  readonly address: Endpoint;
  readonly windowMs: number;
  private readonly shards: Shard[];
  private readonly pending = new Map<number, Pending>();
  private readonly rcvbufErrorsAtOpen: number | null;
  private nextRequestId = 1;
  private rowsWanted = false;
  private closing: Promise<void> | null = null;
  private lastStreamsPerShard: number[] = [];

  private constructor(shards: Shard[], address: Endpoint, windowMs: number, rcvbufErrorsAtOpen: number | null) {
    this.shards = shards;
    this.address = address;
    this.windowMs = windowMs;
    this.rcvbufErrorsAtOpen = rcvbufErrorsAtOpen;
    for (const shard of shards) {
      shard.worker.on('message', (message: FromShard) => this.onMessage(shard, message));
      shard.worker.on('error', (error) => {
        shard.stopped ??= error.message;
      });
      shard.worker.on('exit', (code) => this.onExit(shard, code));
    }
  }

  /**
   * Starts `options.shards` worker threads, the first binding `options.listen` (port 0 =
   * ephemeral), the others the port it got. Resolves once every shard listens. Throws E_NETWORK
   * (the port cannot be bound) or E_RUN (a shard did not start).
   */
  static async open(options: ShardedProbeOptions): Promise<ShardedProbe> {
    const { shards: count, ...probeOptions } = options;
    const rcvbufErrorsAtOpen = udpKernelCounters()?.rcvbufErrors ?? null;
    const shards: Shard[] = [];
    try {
      let address: Endpoint | null = null;
      for (let index = 0; index < count; index++) {
        // Every shard after the first binds the port the first one got (port 0 would give each its own).
        const listen = address ?? probeOptions.listen;
        const worker = startShardWorker({ shard: index, options: { ...probeOptions, listen } });
        shards.push({ index, worker, latest: null, latestRows: null, stopped: null });
        const ready = await firstAnswer(worker, index);
        address ??= ready;
      }
      const sharers = udpSocketsBoundTo(address!);
      if (sharers !== null && sharers > count) {
        throw new AvcmError('E_NETWORK', `the probe cannot listen on udp://${address!.host}:${address!.port} alone: ${sharers - count} other socket${sharers - count === 1 ? '' : 's'} share${sharers - count === 1 ? 's' : ''} it (SO_REUSEPORT) and would take part of the participants' packets`, {
          hint: 'stop the other program (or run) on that port, or pick another probe.listen port',
        });
      }
      return new ShardedProbe(shards, address!, probeOptions.windowMs ?? 1000, rcvbufErrorsAtOpen);
    } catch (error) {
      await Promise.all(shards.map((s) => s.worker.terminate()));
      throw error;
    }
  }

  get shardCount(): number {
    return this.shards.length;
  }

  start(runStartEpochMs: number): void {
    this.broadcast({ type: 'start', runStartEpochMs });
  }

  registerRtx(pairs: ReadonlyMap<number, number>): void {
    this.broadcast({ type: 'register-rtx', pairs: [...pairs] });
  }

  /** The shards' latest live parts merged (each shard posts just after every window boundary). */
  live(): LiveSummary {
    return liveSummary(this.shards.flatMap((s) => (s.latest === null ? [] : [s.latest])));
  }

  /** The shards' latest rows; the first call asks them to include rows from then on (so the first table is empty). */
  liveStreams(): LiveStreamRow[] {
    if (!this.rowsWanted) {
      this.rowsWanted = true;
      this.broadcast({ type: 'want-rows' });
    }
    return sortStreamRows(this.shards.flatMap((s) => s.latestRows ?? []));
  }

  /** Streams each shard measured, as of the last `report()` (empty before one): how the kernel spread the sources. */
  get streamsPerShard(): readonly number[] {
    return this.lastStreamsPerShard;
  }

  /** Per-shard live parts, as last posted (null before a shard's first): how the load spread. */
  shardLive(): (LiveParts | null)[] {
    return this.shards.map((s) => s.latest);
  }

  /** The shards' reports merged exactly; without `windowCount`, up to the last window any shard's streams touched. */
  async report(windowCount?: number): Promise<ProbeReport> {
    let count = windowCount;
    if (count === undefined) {
      const touched = await Promise.all(this.shards.map((s) => this.request(s, (id) => ({ type: 'windows-touched', id }))));
      count = Math.max(...touched.map((m) => (m.type === 'windows-touched' ? m.windows : 1)));
    }
    const answers = await Promise.all(this.shards.map((s) => this.request(s, (id) => ({ type: 'report', id, windowCount: count }))));
    const reports = answers.map((m) => (m as Extract<FromShard, { type: 'report' }>).report);
    this.lastStreamsPerShard = reports.map((r) => r.streams.length);
    const after = udpKernelCounters()?.rcvbufErrors ?? null;
    return mergeShardReports(reports, after !== null && this.rcvbufErrorsAtOpen !== null ? after - this.rcvbufErrorsAtOpen : null);
  }

  /** Closes every shard's socket and ends its thread; idempotent. `report()` does not work afterwards. */
  close(): Promise<void> {
    this.closing ??= Promise.all(
      this.shards.map(async (s) => {
        if (s.stopped !== null) return;
        const exited = once(s.worker, 'exit');
        await this.request(s, (id) => ({ type: 'close', id })).catch(() => undefined);
        // A shard that closed its socket ends by itself; one that does not within the grace is stopped.
        const grace = setTimeout(() => void s.worker.terminate(), CLOSE_GRACE_MS);
        await exited;
        clearTimeout(grace);
      }),
    ).then(() => undefined);
    return this.closing;
  }

  private broadcast(message: ToShard): void {
    for (const shard of this.shards) if (shard.stopped === null) shard.worker.postMessage(message);
  }

  private request(shard: Shard, message: (id: number) => ToShard): Promise<FromShard> {
    if (shard.stopped !== null) return Promise.reject(shardStopped(shard));
    const id = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { shard: shard.index, resolve, reject });
      shard.worker.postMessage(message(id));
    });
  }

  private onMessage(shard: Shard, message: FromShard): void {
    if (message.type === 'live') {
      shard.latest = message.parts;
      if (message.rows !== null) shard.latestRows = message.rows;
      return;
    }
    if (message.type === 'windows-touched' || message.type === 'report' || message.type === 'closed') {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      waiting?.resolve(message);
    }
  }

  private onExit(shard: Shard, code: number): void {
    shard.stopped ??= `exit code ${code}`;
    for (const [id, waiting] of this.pending) {
      if (waiting.shard !== shard.index) continue;
      this.pending.delete(id);
      waiting.reject(shardStopped(shard));
    }
  }
}

function shardStopped(shard: Shard): AvcmError {
  return new AvcmError('E_RUN', `probe shard ${shard.index} stopped (${shard.stopped}); what it measured is lost`, { hint: 'run with one probe shard (probe.shards: 1, --probe-shards 1) and report this with --debug output' });
}

/** Waits for a starting shard's first word: its bound address, or why it could not listen. */
async function firstAnswer(worker: Worker, index: number): Promise<Endpoint> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromShard): void => {
      if (message.type === 'ready') {
        settle();
        resolve(message.address);
      } else if (message.type === 'failed') {
        settle();
        reject(fromFailure(message.error));
      }
    };
    const onError = (error: Error): void => {
      settle();
      reject(new AvcmError('E_RUN', `probe shard ${index} did not start: ${error.message}`, { cause: error }));
    };
    const onExit = (code: number): void => {
      settle();
      reject(new AvcmError('E_RUN', `probe shard ${index} exited (code ${code}) before it listened`));
    };
    const settle = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

function fromFailure(failure: ShardFailure): AvcmError {
  return new AvcmError(failure.code as ErrorCode, failure.message, { hint: failure.hint });
}
