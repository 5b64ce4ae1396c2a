/**
 * What the SUT timeline does and records. A `sut_*` spike becomes one or two driver actions: at
 * its start (restart, pause, kill) and, for pause and kill, at its end (resume, start).
 */
import type { SutSpikeType } from '../plan/types.js';

/** The driver-level actions a spike can run. */
export type SutAction = 'restart' | 'stop' | 'start' | 'pause' | 'resume' | 'kill';

/** One action the driver ran (or tried to), with what it said. */
export interface SutActionRecord {
  spikeId: string;
  spikeType: SutSpikeType;
  driver: 'command' | 'docker' | 'k8s';
  action: SutAction;
  /** Which edge of the spike ran it: its start (restart, pause, kill) or its end (resume, start). */
  phase: 'start' | 'end';
  /** What the driver did, in its own terms (the command line, `POST /containers/janus/restart`, `scale deployment/janus 0`). */
  detail: string;
  startedAtEpochMs: number;
  endedAtEpochMs: number;
  ok: boolean;
  /** A command's exit code (null when it was killed by the timeout or a signal, and for API drivers). */
  exitCode: number | null;
  /** The last bytes of a command's stdout and stderr, or an API driver's summary. */
  output: string;
  /** Why it failed (E_SUT_ACTION_FAILED's message); null when ok. */
  error: string | null;
}

/** What a driver's action returns: ok or not, a command's exit code and output, or an API's words. */
export interface SutActionOutcome {
  ok: boolean;
  exitCode: number | null;
  output: string;
  detail: string;
  error: string | null;
}

/**
 * A way to act on the system under test. Every method is bounded by the driver's timeout and
 * never throws: failures come back as `ok: false` with the reason, so a broken action is reported
 * and the run goes on (its participants' recovery is then what the verdict measures).
 */
export interface SutDriver {
  readonly name: 'command' | 'docker' | 'k8s';
  /** Whether it can do `action` as configured (a sut_kill brings the SUT back at its end only when `start` is supported). */
  supports(action: SutAction): boolean;
  run(action: SutAction, context: { spikeId: string; spikeType: SutSpikeType }): Promise<SutActionOutcome>;
  /** Releases connections; idempotent. */
  close(): Promise<void>;
}
