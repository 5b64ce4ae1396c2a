import { AvcmError } from '../errors/index.js';
import { isSutSpike, type Plan, type PlannedSpike, type SutSpec, type SutSpikeType } from '../plan/types.js';
import { CommandDriver } from './command-driver.js';
import type { SutAction, SutActionRecord, SutDriver } from './types.js';

/** The action at a spike's start, and the one at its end (null: nothing to undo). */
function actionsOf(type: SutSpikeType, driver: SutDriver): { start: SutAction; end: SutAction | null } {
  switch (type) {
    case 'sut_restart':
      return { start: 'restart', end: null };
    case 'sut_pause':
      return { start: 'pause', end: 'resume' };
    case 'sut_kill':
      // Without a way to start it, the SUT comes back on its own (a supervisor, a controller) or not at all.
      return { start: 'kill', end: driver.supports('start') ? 'start' : null };
  }
}

/** Connects the scenario's driver (docker and k8s check the container, pods, deployment): E_SUT_DRIVER when they cannot be reached. */
export async function openSutDriver(spec: SutSpec, options: { baseDir: string; env: NodeJS.ProcessEnv }): Promise<SutDriver> {
  switch (spec.driver) {
    case 'command':
      return new CommandDriver(spec, options);
    case 'docker': {
      const { DockerDriver } = await import('./docker-driver.js');
      return DockerDriver.open(spec, options.env);
    }
    case 'k8s': {
      const { K8sDriver } = await import('./k8s-driver.js');
      return K8sDriver.open(spec);
    }
  }
}

interface Scheduled {
  spike: PlannedSpike & { type: SutSpikeType };
  /** The start action once it was queued; the end action waits for it. */
  started: Promise<void> | null;
  ended: boolean;
}

/**
 * The `sut_*` spikes of a run, on the run's clock beside the engines' network spikes: at a spike's
 * start its driver restarts, pauses or kills the system under test; at its end it resumes or
 * starts it again. Actions run one at a time, in time order (an action still running delays the
 * next one, never overlaps it), each bounded by the driver's timeout. Every action is recorded
 * with its times, outcome and output for the run result; a failed one is logged with its reason
 * and the run goes on. `close` (end of run, or an interrupted one) brings a paused or killed SUT
 * back before it returns, so a run never leaves the SUT frozen.
 */
export class SutTimeline {
  private readonly scheduled: Scheduled[];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly done: SutActionRecord[] = [];
  /** The queue: each action starts when the previous one finished. */
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    spikes: readonly PlannedSpike[],
    private readonly driver: SutDriver,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.scheduled = spikes
      .filter((s): s is PlannedSpike & { type: SutSpikeType } => isSutSpike(s.type))
      .sort((a, b) => a.startMs - b.startMs)
      .map((spike) => ({ spike, started: null, ended: false }));
  }

  /** The timeline of a plan with `sut_*` spikes and a `sut` section, its driver connected; null when the plan has none. */
  static async open(plan: Plan, options: { baseDir: string; env: NodeJS.ProcessEnv; log?: (line: string) => void }): Promise<SutTimeline | null> {
    if (!plan.sut || !plan.spikes.some((s) => isSutSpike(s.type))) return null;
    return new SutTimeline(plan.spikes, await openSutDriver(plan.sut, options), options.log);
  }

  /** Schedules every spike's actions relative to `runStartEpochMs` (frame 0 of the run). */
  start(runStartEpochMs: number): void {
    for (const entry of this.scheduled) {
      const { spike } = entry;
      const { end } = actionsOf(spike.type, this.driver);
      this.at(runStartEpochMs + spike.startMs, () => {
        entry.started = this.enqueue(entry, 'start');
      });
      if (end) this.at(runStartEpochMs + spike.endMs, () => void this.finishSpike(entry));
    }
  }

  private at(epochMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      if (!this.closed) run();
    }, Math.max(0, epochMs - Date.now()));
    this.timers.push(timer);
  }

  /** The end action of a spike whose start action was queued (once); the queue runs it after the start action. */
  private async finishSpike(entry: Scheduled): Promise<void> {
    if (entry.ended || entry.started === null) return;
    entry.ended = true;
    await this.enqueue(entry, 'end');
  }

  private enqueue(entry: Scheduled, phase: 'start' | 'end'): Promise<void> {
    const actions = actionsOf(entry.spike.type, this.driver);
    const action = phase === 'start' ? actions.start : actions.end;
    if (action === null) return Promise.resolve();
    const run = this.tail.then(() => this.perform(entry.spike, action, phase));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async perform(spike: PlannedSpike & { type: SutSpikeType }, action: SutAction, phase: 'start' | 'end'): Promise<void> {
    const startedAtEpochMs = Date.now();
    const outcome = await this.driver.run(action, { spikeId: spike.id, spikeType: spike.type }).catch((error: unknown) => ({
      ok: false,
      exitCode: null,
      output: '',
      detail: action,
      error: error instanceof Error ? error.message : String(error),
    }));
    const endedAtEpochMs = Date.now();
    this.done.push({ spikeId: spike.id, spikeType: spike.type, driver: this.driver.name, action, phase, startedAtEpochMs, endedAtEpochMs, ...outcome });
    const took = `${((endedAtEpochMs - startedAtEpochMs) / 1000).toFixed(1)}s`;
    const code = outcome.exitCode === null ? '' : `, exit ${outcome.exitCode}`;
    if (outcome.ok) this.log(`sut ${spike.id} ${spike.type}: ${action} done in ${took}${code}`);
    else this.log(`sut ${spike.id} ${spike.type}: ${action} FAILED after ${took}${code}: ${outcome.error}${outcome.output ? `\n  output: ${outcome.output.trim().split('\n').slice(-3).join(' / ')}` : ''}`);
  }

  /**
   * The first failed action as E_SUT_ACTION_FAILED, or null when all succeeded: the run did not do
   * to the SUT what the scenario asked, so its verdict cannot stand (the runner marks it an error).
   */
  failure(): AvcmError | null {
    const failed = this.done.find((r) => !r.ok);
    if (!failed) return null;
    const hints: Record<SutActionRecord['driver'], string> = {
      command: 'run the command by hand from the scenario folder (or sut.cwd) to see why; its output is in the JSON report (sutEvents)',
      docker: 'check the container with docker ps -a / docker inspect; its state after the call is in the JSON report (sutEvents)',
      k8s: 'check the pods and the deployment with kubectl, and that the kubeconfig user may delete pods and scale deployments',
    };
    const others = this.done.filter((r) => !r.ok).length - 1;
    return new AvcmError('E_SUT_ACTION_FAILED', `sut ${failed.spikeId} ${failed.spikeType}: ${failed.action} failed: ${failed.error}${others > 0 ? ` (and ${others} more)` : ''}`, { hint: hints[failed.driver] });
  }

  /** What the driver did so far, in the order it happened. */
  records(): SutActionRecord[] {
    return [...this.done];
  }

  /**
   * Cancels what has not started, waits for a running action, and runs the end action of every
   * spike that started but did not end (resume a paused SUT, start a killed one). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const entry of this.scheduled) if (entry.started !== null && !entry.ended) await this.finishSpike(entry);
    await this.tail;
    await this.driver.close();
  }
}
