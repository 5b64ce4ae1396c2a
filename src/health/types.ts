/**
 * Generator health: how well avcm's own side (the engines that send, the probe that measures)
 * kept up in each window of a run. A window in which a part of the generator was late, starved or
 * dropping cannot show the system under test's behaviour, so the verdict does not judge
 * assertions on it (they are `inconclusive`).
 */

/** What one engine process (a partition) measured of itself over one window (1 s of the run). */
export interface EngineHealthWindow {
  /** The run window (index of the probe's windows: floor(run ms / window ms)). */
  index: number;
  /** Pacing lateness of the frames due in the window: how late they left versus their schedule, ms; null when none was due. */
  latenessP99Ms: number | null;
  latenessMaxMs: number | null;
  /** How late the process's event loop ran its timers beyond the 10 ms they asked for, ms. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** CPU time (user + system) of the process over the window's wall time, percent of one core. */
  cpuPercent: number;
  /** Errors the participants' sockets reported in the window (a target refusing included). */
  sendErrors: number;
  /** Send calls the kernel refused with a full send buffer (batched I/O; 0 with dgram). */
  wouldBlock: number;
  /** Packets handed to the socket layer that never left: full send buffer, send errors (batched I/O). */
  sendDropped: number;
}

/** What the probe measured of itself over one window. */
export interface ProbeHealthWindow {
  index: number;
  /**
   * How long after the kernel received a datagram (its SO_TIMESTAMPNS) the probe handled it, ms;
   * null where arrival times are taken in JavaScript (node:dgram, WebRTC) or nothing arrived.
   */
  receiveLagP99Ms: number | null;
  receiveLagMaxMs: number | null;
  /** As EngineHealthWindow, for the process the probe runs in. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  cpuPercent: number;
  /** Datagrams the kernel dropped at the probe's own socket for a full receive buffer (SO_RXQ_OVFL); null where unknown (dgram). */
  kernelDrops: number | null;
  /** The machine's UDP RcvbufErrors (/proc/net/snmp, every socket of the machine) in the window; null where unknown. */
  rcvbufErrors: number | null;
}

/**
 * The limits beyond which a window counts as unhealthy (a scenario's `health:` section; defaults
 * in scenario/defaults.ts). Each figure is compared per window and per process.
 */
export interface HealthThresholds {
  /** Whether an assertion that depends on unhealthy windows is inconclusive (true) or judged anyway (false). */
  markInconclusive: boolean;
  /** Pacing lateness p99 of a partition, ms. */
  pacingLatenessMs: number;
  /** Event-loop delay p99 of an engine process or the probe's, ms. */
  eventLoopDelayMs: number;
  /** CPU of an engine process or the probe's, percent of one core. */
  cpuPercent: number;
  /** The probe's receive lag p99, ms. */
  receiveLagMs: number;
  /** Packets a partition could not send in a window (more than this is unhealthy). */
  sendDrops: number;
  /** Datagrams the kernel dropped at the probe's own socket in a window (SO_RXQ_OVFL; not judged where unknown). */
  kernelDrops: number;
}

/** Which part of the generator a figure is about: a partition's engine, or the probe. */
export type HealthSource = { kind: 'engine'; partition: number } | { kind: 'probe' };

/** One reason a window was unhealthy: the figure, its value and the limit it exceeded. */
export interface HealthCause {
  /** Stable name of the figure: `pacing_lateness`, `event_loop_delay`, `cpu`, `receive_lag`, `send_drops`, `kernel_drops`. */
  figure: HealthFigure;
  value: number;
  limit: number;
}

export type HealthFigure = 'pacing_lateness' | 'event_loop_delay' | 'cpu' | 'receive_lag' | 'send_drops' | 'kernel_drops';
