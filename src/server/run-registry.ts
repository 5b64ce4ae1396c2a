import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { compile } from '../plan/index.js';
import { formatRanges, hostPortsOf, isLocalHost, rangesOverlap, toRanges, type PortRange } from '../ports/index.js';
import type { AvcmMetrics } from '../metrics/index.js';
import type { RunOutcome, Runner, RunningRun } from '../runner/types.js';
import type { Scenario } from '../scenario/index.js';

/**
 * A run's life: `created` (interactive API, not started yet) -> `queued` (handed to the runner) ->
 * `running` (the runner reports it running) -> `passed` | `failed` | `inconclusive` | `error` |
 * `cancelled`. `inconclusive`: no assertion failed, but some could not be judged because avcm's own
 * engines or probe were overloaded (E_GENERATOR_OVERLOAD).
 */
export type RunState = 'created' | 'queued' | 'running' | 'passed' | 'failed' | 'inconclusive' | 'error' | 'cancelled';

export interface RunEntry {
  id: string;
  scenario: Scenario;
  state: RunState;
  /** ISO 8601, when the server accepted the run. */
  createdAt: string;
  /** Where this run's reports go: `<reportsDir>/<id>`, one folder per run. */
  reportsDir: string;
  run: RunningRun | null;
  outcome: RunOutcome | null;
  cancelled: boolean;
  /** How the run was made: a scenario posted to /runs, or the interactive /test API. */
  origin: 'runs' | 'test';
  /** Fixed UDP ports the run binds on this machine (its source ports, its probe's port); empty with ephemeral ports. */
  ports: PortRange[];
}

/** A refusal with the HTTP status and the error code the server answers with. */
export class RegistryError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** Where in the request the problem is, e.g. `body/params/loss_percentage`. */
    readonly path?: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface RunRegistryOptions {
  /** Parent folder of every run's report folder. */
  reportsDir: string;
  /** Runs queued or running at once; one more is refused with 429. */
  maxConcurrentRuns: number;
  metrics: AvcmMetrics;
  /** Finished runs kept for GET (oldest finished ones are forgotten first); default 1000. */
  maxRetainedRuns?: number;
}

const FINISHED: ReadonlySet<RunState> = new Set(['passed', 'failed', 'inconclusive', 'error', 'cancelled']);

/**
 * The server's runs: each isolated (its own id, runner run and report folder), a bound on how many
 * run at once, and the state machine of {@link RunState}. Built per server; no global state.
 */
export class RunRegistry {
  private readonly entries = new Map<string, RunEntry>();
  private readonly maxRetained: number;

  constructor(
    private readonly runner: Runner,
    private readonly options: RunRegistryOptions,
  ) {
    this.maxRetained = options.maxRetainedRuns ?? 1000;
  }

  /** Registers a run without starting it (the interactive API's create). 409 when the id is taken. */
  create(scenario: Scenario, origin: RunEntry['origin'], requestedId?: string): RunEntry {
    const id = requestedId ?? randomBytes(6).toString('hex');
    if (this.entries.has(id)) throw new RegistryError(409, 'E_CONFLICT', `a run with id ${id} already exists; pick another test_id`);
    this.forgetOldFinished();
    const entry: RunEntry = {
      id,
      scenario,
      state: 'created',
      createdAt: new Date().toISOString(),
      reportsDir: path.join(this.options.reportsDir, id),
      run: null,
      outcome: null,
      cancelled: false,
      origin,
      ports: fixedPortsOf(scenario),
    };
    this.entries.set(id, entry);
    return entry;
  }

  /** Creates and starts a run in one step (POST /api/v1/runs); refuses with 429 before registering anything. */
  submit(scenario: Scenario, origin: RunEntry['origin'], requestedId?: string): RunEntry {
    this.checkCapacity();
    this.checkPorts(fixedPortsOf(scenario), scenario.name);
    const entry = this.create(scenario, origin, requestedId);
    return this.start(entry.id);
  }

  /** The run with this id; 404 when there is none. */
  get(id: string): RunEntry {
    const entry = this.entries.get(id);
    if (!entry) throw new RegistryError(404, 'E_NOT_FOUND', `no run with id ${id}`);
    return refreshed(entry);
  }

  /** Every known run, oldest first. */
  list(): RunEntry[] {
    return [...this.entries.values()].map(refreshed);
  }

  /** Runs queued or running. */
  active(): RunEntry[] {
    return this.list().filter((e) => e.state === 'queued' || e.state === 'running');
  }

  /** Hands a created run to the runner. 409 unless it is `created`; 429 when the concurrency limit is reached. */
  start(id: string): RunEntry {
    const entry = this.get(id);
    if (entry.state !== 'created') throw new RegistryError(409, 'E_STATE', `run ${id} is ${entry.state}; only a created run can start`);
    this.checkCapacity();
    this.checkPorts(entry.ports, entry.scenario.name);
    // Interactive WebRTC tests are answered by the REST client (e.g. `avcm receive --webrtc`), as in the original platform.
    const signaling = entry.origin === 'test' && entry.scenario.participants.transport === 'webrtc' ? 'external' : 'probe';
    let run: RunningRun;
    try {
      run = this.runner.start({ id, scenario: entry.scenario, reports: { outDir: entry.reportsDir }, signaling });
    } catch (error) {
      entry.state = 'error';
      throw error;
    }
    entry.state = 'queued';
    entry.run = run;
    this.options.metrics.track(run);
    void run.done.then((outcome) => {
      entry.outcome = outcome;
      entry.state = finalState(outcome, entry.cancelled);
    });
    return entry;
  }

  /** Cancels a run (a created one never starts); its partial reports are still written. Idempotent. */
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

  /** Stops every run in flight and waits for their (partial) reports; for graceful shutdown. */
  async stopAll(reason: 'SIGINT' | 'SIGTERM'): Promise<void> {
    const inFlight = this.active().flatMap((e) => (e.run ? [e.run] : []));
    for (const run of inFlight) run.stop(reason);
    await Promise.all(inFlight.map((run) => run.done));
  }

  private checkCapacity(): void {
    const limit = this.options.maxConcurrentRuns;
    if (this.active().length >= limit) {
      throw new RegistryError(429, 'E_BUSY', `${limit} run${limit === 1 ? ' is' : 's are'} already in flight (the server's limit); try again when one finishes`);
    }
  }

  /**
   * Runs in flight side by side must not share a port: each run the server accepts has its own
   * (ephemeral unless the scenario fixed base_port or a local probe port), and a scenario whose
   * fixed ports another run holds is refused with 409 before anything starts.
   */
  private checkPorts(ports: PortRange[], name: string): void {
    if (ports.length === 0) return;
    for (const other of this.active()) {
      const clash = rangesOverlap(ports, other.ports);
      if (clash.length === 0) continue;
      throw new RegistryError(
        409,
        'E_PORTS',
        `scenario ${name} binds ports ${formatRanges(clash)} that run ${other.id} (${other.scenario.name}, ${other.state}) holds; leave participants.base_port out (ephemeral ports) or give a range that does not overlap ${formatRanges(other.ports)}`,
        'body/participants/base_port',
      );
    }
  }

  /** Keeps memory bounded on a long-lived server: forgets the oldest finished runs past the retention limit. */
  private forgetOldFinished(): void {
    if (this.entries.size < this.maxRetained) return;
    for (const [id, entry] of this.entries) {
      if (this.entries.size < this.maxRetained) break;
      if (FINISHED.has(entry.state)) this.entries.delete(id);
    }
  }
}

/** queued -> running is read from the run's progress when asked (no timer per run). */
function refreshed(entry: RunEntry): RunEntry {
  if (entry.state === 'queued' && entry.run && entry.run.progress().state !== 'starting') entry.state = 'running';
  return entry;
}

function finalState(outcome: RunOutcome, cancelled: boolean): RunState {
  if (cancelled) return 'cancelled';
  switch (outcome.result.status) {
    case 'passed':
      return 'passed';
    case 'failed':
      return 'failed';
    case 'inconclusive':
      return 'inconclusive';
    case 'aborted':
      return 'cancelled';
    default:
      return 'error';
  }
}

/**
 * The fixed ports a scenario's run would bind here, compiled as the runner compiles it (one
 * partition per core for the local backend); empty when it sends from ephemeral ports.
 */
function fixedPortsOf(scenario: Scenario): PortRange[] {
  const plan = compile(scenario, { cores: os.availableParallelism() });
  const ports = hostPortsOf(plan, { probeIsLocal: plan.target !== null && isLocalHost(plan.target.host) });
  return toRanges(ports.probe === null ? ports.source : [...ports.source, ports.probe]);
}
