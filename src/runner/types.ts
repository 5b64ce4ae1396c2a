/**
 * The runner's contract: what starts one scenario run and what it gives back. The CLI (`avcm test`),
 * the REST server (`POST /api/v1/runs`, the interactive test API) and the benchmark all use it; it knows
 * no backend by name (it asks the backend registry for the plan's backend).
 */
import type { IoPath } from '../io/index.js';
import type { Endpoint, LiveSpikeType, PlannedSpike, SpikeParams } from '../plan/types.js';
import type { RunResult } from '../result/types.js';
import type { Scenario } from '../scenario/scenario.js';
import type { BaselineReference } from '../verdict/evaluate-assertions.js';

/** CLI / API overrides of the scenario, applied before compiling. */
export interface RunOverrides {
  backend?: 'local' | 'docker' | 'k8s';
  target?: Endpoint;
  participants?: number;
  durationMs?: number;
  seed?: number;
  partitions?: number;
  /** UDP I/O (`--io`); wins over AVCM_IO; default: batched where the addon loads. */
  io?: IoPath;
}

/** Where the reports go. Unset paths default to `<outDir>/<scenario>.{json,xml,html}`. */
export interface ReportPaths {
  outDir: string;
  json?: string;
  junit?: string;
  html?: string;
}

export interface RunRequest {
  /** Run id (REST); generated when absent. */
  id?: string;
  scenario: Scenario;
  overrides?: RunOverrides;
  reports: ReportPaths;
  /**
   * The previous run that baseline-relative assertions (`avg >= baseline - 0.1`) compare with
   * (`avcm test --baseline`). A scenario with such assertions and no baseline is a usage error.
   */
  baseline?: BaselineReference;
  /** Without a baseline run, skip baseline-relative assertions instead of refusing to run (`--baseline-optional`: the first run). */
  baselineOptional?: boolean;
  /**
   * WebRTC runs: who answers the participants' offers. `probe` (default): the built-in WebRTC
   * probe. `external`: a client over REST (`GET|POST /api/v1/test/:id/sdp/:participant`), e.g.
   * `avcm receive --webrtc`, which then also does the measuring.
   */
  signaling?: 'probe' | 'external';
}

/** A live snapshot, refreshed about once a second while a run is going. */
export interface RunProgress {
  state: 'starting' | 'running' | 'stopping' | 'done';
  elapsedMs: number;
  durationMs: number;
  participants: number;
  packetsSent: number;
  bytesSent: number;
  /** Packets per second sent over the last second. */
  packetsPerSecond: number;
  sendErrors: number;
  /** Of `sendErrors`, sends the target refused (ICMP port unreachable: nothing listens there). */
  sendRefused: number;
  /** Spike ids active right now. */
  activeSpikes: string[];
  /** What the probe measured over the last complete window; null before the first one. */
  measured: { packetsReceived: number; lossPercent: number; jitterMs: number; mos: number | null } | null;
  /**
   * What the viewer (the probe's playout model) saw: residual loss over the last window the model
   * has settled (one behind `measured`), counts since the run start. null without the model, before
   * the first window, or when the probe runs elsewhere (docker, k8s: its figures come with the result).
   */
  viewer: { residualLossPercent: number | null; nacksSent: number; plisSent: number; retransmissionsReceived: number; freezes: number; freezeMs: number } | null;
  /**
   * What the senders' RTCP sessions were asked and did since the run start (through an SFU: the
   * SFU's feedback to the publishers). RTCP received, retransmissions and keyframes sent are live;
   * NACKs and PLIs received arrive with each partition's final report. null without RTCP.
   */
  sender: { rtcpReceived: number; retransmissionsSent: number; keyframesSent: number; nacksReceived: number; plisReceived: number } | null;
}

/** A spike injected live (REST `POST /api/v1/test/:id/spike`), starting now. */
export interface LiveSpike {
  /** Network spikes only (a trace needs its file; acting on the system under test is the scenario's `sut_*` spikes' job). */
  type: LiveSpikeType;
  durationMs: number;
  /** What the caller gave; the rest takes the scenario language's defaults. */
  params: SpikeParams;
  /** bitrate_reduce by target rate (the original API's `new_bitrate_kbps`), instead of `params.reductionPercent`. */
  newBitrateKbps?: number;
  /** Targeted participant ids; empty = all. */
  participantIds: number[];
}

export interface RunOutcome {
  result: RunResult;
  /** Where the reports go (absolute paths); see `unwritten` for those that could not be written. */
  files: { json: string; junit: string; html: string };
  /** Report paths that could not be written (E_REPORT: disk full, read-only, no permission); empty when all were. */
  unwritten: string[];
  /** The CLI contract's exit code: 0 passed, 1 failed, 3 error, 130/143 aborted. */
  exitCode: number;
}

/** One run in flight. */
export interface RunningRun {
  readonly id: string;
  progress(): RunProgress;
  /** Adds a spike that starts now; returns the planned spike (with its id and time window). */
  injectSpike(spike: LiveSpike): PlannedSpike;
  /** Stops early; the outcome is then `aborted` with partial reports. Idempotent. */
  stop(reason: 'SIGINT' | 'SIGTERM' | 'cancelled'): void;
  /** Settles when the reports are written. Never rejects: errors become an outcome with status `error`. */
  readonly done: Promise<RunOutcome>;
  /** WebRTC runs only: the participant's SDP offer, once its peer connection has gathered candidates. */
  sdpOffer?(participantId: number): Promise<string>;
  /** WebRTC runs only: applies the remote answer for the participant. */
  sdpAnswer?(participantId: number, sdp: string): Promise<void>;
}

export interface Runner {
  start(request: RunRequest): RunningRun;
}
