import { ProcessHealthSampler, WindowTicker, type ProbeHealthWindow } from '../health/index.js';
import { udpKernelCounters } from './kernel-counters.js';
import type { ProbeSocket } from './probe-socket.js';

/**
 * The probe's own health, window by window from the run start: its receive lag (batched I/O),
 * event-loop delay and CPU, its socket's kernel drops and the machine's RcvbufErrors. Kept out of
 * ProbeReceiver's own fields on purpose: more fields there change the shape its per-datagram path
 * stores into, and V8 then boxes the arrival time it writes per datagram.
 */
export class ProbeHealthRecorder {
  private readonly windows: ProbeHealthWindow[] = [];
  private readonly sampler = new ProcessHealthSampler();
  private readonly ticker: WindowTicker;
  /** Kernel counters at the end of the last window, for the next window's deltas. */
  private counted: { kernelDrops: number | null; rcvbufErrors: number | null };

  /** Starts measuring at once; `nowEpochMs` is the probe's clock. */
  constructor(
    runStartEpochMs: number,
    windowMs: number,
    nowEpochMs: () => number,
    private readonly socket: ProbeSocket | null,
  ) {
    this.counted = { kernelDrops: socket?.kernelDrops() ?? null, rcvbufErrors: udpKernelCounters()?.rcvbufErrors ?? null };
    this.ticker = new WindowTicker(runStartEpochMs, windowMs, nowEpochMs, (first, last) => this.record(first, last));
    this.ticker.start({ unref: true });
  }

  /** The windows recorded so far, after recording those that have ended (the report, the soak benchmark). */
  recorded(): readonly ProbeHealthWindow[] {
    this.ticker.closeEnded();
    return this.windows;
  }

  /** Idempotent. */
  close(): void {
    this.ticker.stop();
    this.sampler.close();
  }

  /** Windows `first..last` (several when the process stalled past their ends). */
  private record(first: number, last: number): void {
    const lag = this.socket?.takeReceiveLag() ?? null;
    const kernelDrops = this.socket?.kernelDrops() ?? null;
    const rcvbufErrors = udpKernelCounters()?.rcvbufErrors ?? null;
    const counted = this.counted;
    const figures: Omit<ProbeHealthWindow, 'index'> = {
      receiveLagP99Ms: lag?.p99Ms ?? null,
      receiveLagMaxMs: lag?.maxMs ?? null,
      ...this.sampler.sample(),
      kernelDrops: kernelDrops !== null && counted.kernelDrops !== null ? kernelDrops - counted.kernelDrops : null,
      rcvbufErrors: rcvbufErrors !== null && counted.rcvbufErrors !== null ? rcvbufErrors - counted.rcvbufErrors : null,
    };
    this.counted = { kernelDrops, rcvbufErrors };
    // A stall's timing figures stand for each window it spanned; its drop counts are the last window's.
    for (let index = first; index < last; index++) this.windows.push({ index, ...figures, kernelDrops: figures.kernelDrops === null ? null : 0, rcvbufErrors: figures.rcvbufErrors === null ? null : 0 });
    this.windows.push({ index: last, ...figures });
  }
}
