import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { AvcmMetrics } from '../metrics/index.js';
import type { RunOutcome, Runner, RunningRun } from '../runner/types.js';
import type { Scenario } from '../scenario/index.js';

export type RunState = 'created' | 'queued' | 'running' | 'passed' | 'failed' | 'error' | 'cancelled';

export interface RunEntry {
  id: string;
  scenario: Scenario;
  state: RunState;
  createdAt: string;
  run: RunningRun | null;
  outcome: RunOutcome | null;
  cancelled: boolean;
  /** How the run was made: a scenario posted to /runs, or the interactive /test API. */
  origin: 'runs' | 'test';
}

export class RegistryError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The server's runs: each isolated (its own id, plan, probe, partitions and report folder), a
 * bound on how many run at once, and the state machine created -> queued -> running -> verdict.
 */
export class RunRegistry {
  private readonly entries = new Map<string, RunEntry>();

  constructor(
    private readonly runner: Runner,
    private readonly options: { reportsDir: string; maxConcurrentRuns: number; metrics: AvcmMetrics },
  ) {}

  /** Registers a run without starting it (the interactive API's create). */
  create(scenario: Scenario, origin: RunEntry['origin'], requestedId?: string): RunEntry {
    const id = requestedId ?? randomBytes(6).toString('hex');
    if (this.entries.has(id)) throw new RegistryError(409, 'E_CONFLICT', `a run with id ${id} already exists`);
    const entry: RunEntry = { id, scenario, state: 'created', createdAt: new Date().toISOString(), run: null, outcome: null, cancelled: false, origin };
    this.entries.set(id, entry);
    return entry;
  }

  get(id: string): RunEntry {
    const entry = this.entries.get(id);
    if (!entry) throw new RegistryError(404, 'E_NOT_FOUND', `no run with id ${id}`);
    return entry;
  }

  list(): RunEntry[] {
    return [...this.entries.values()];
  }

  active(): RunEntry[] {
    return this.list().filter((e) => e.state === 'queued' || e.state === 'running');
  }

  start(id: string): RunEntry {
    const entry = this.get(id);
    if (entry.state !== 'created') throw new RegistryError(409, 'E_STATE', `run ${id} is ${entry.state}; only a created run can start`);
    if (this.active().length >= this.options.maxConcurrentRuns) {
      throw new RegistryError(429, 'E_BUSY', `${this.options.maxConcurrentRuns} runs are already in flight; try again when one finishes`);
    }
    entry.state = 'queued';
    // Interactive WebRTC tests are answered by the REST client (e.g. `avcm receive --webrtc`), as in the original platform.
    const signaling = entry.origin === 'test' && entry.scenario.participants.transport === 'webrtc' ? 'external' : 'probe';
    const run = this.runner.start({ id, scenario: entry.scenario, reports: { outDir: path.join(this.options.reportsDir, id) }, signaling });
    entry.run = run;
    this.options.metrics.track(run);
    const poll = setInterval(() => {
      if (entry.state === 'queued' && run.progress().state === 'running') entry.state = 'running';
    }, 200);
    void run.done.then((outcome) => {
      clearInterval(poll);
      entry.outcome = outcome;
      entry.state = entry.cancelled ? 'cancelled' : outcome.result.status === 'passed' ? 'passed' : outcome.result.status === 'failed' ? 'failed' : outcome.result.status === 'aborted' ? 'cancelled' : 'error';
    });
    return entry;
  }

  /** Cancels a run (a created one never starts); its partial reports are still written. */
  cancel(id: string): RunEntry {
    const entry = this.get(id);
    if (entry.state === 'created') {
      entry.state = 'cancelled';
      entry.cancelled = true;
    } else if (entry.run && (entry.state === 'queued' || entry.state === 'running')) {
      entry.cancelled = true;
      entry.run.stop('cancelled');
    }
    return entry;
  }

  /** Stops every run and waits for their reports (graceful shutdown). */
  async stopAll(reason: 'SIGINT' | 'SIGTERM'): Promise<void> {
    const inFlight = this.active().filter((e) => e.run);
    for (const entry of inFlight) entry.run!.stop(reason);
    await Promise.all(inFlight.map((e) => e.run!.done));
  }
}
