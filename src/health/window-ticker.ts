/**
 * Reports run windows as they end, soon after each end: window i spans [runStart + i * windowMs,
 * runStart + (i + 1) * windowMs) on the epoch clock `nowEpochMs` reads. One timer, re-armed for
 * the next boundary each time (so it does not drift). `onWindows(first, last)` gets the windows
 * that ended since the last call: one normally, several when the process stalled past their
 * boundaries (what was sampled then covers all of them, and each of them was stalled). Windows
 * before the run start are never reported. `stop` is idempotent.
 */
export class WindowTicker {
  private timer: NodeJS.Timeout | null = null;
  /** The next window to report. */
  private next = 0;
  private stopped = false;

  constructor(
    private readonly runStartEpochMs: number,
    private readonly windowMs: number,
    private readonly nowEpochMs: () => number,
    private readonly onWindows: (first: number, last: number) => void,
  ) {}

  /**
   * Arms the timer for the first boundary after now. Started after the run start (a late join),
   * it reports from the window in progress on: earlier ones were not observed. `unref`: the
   * timer does not keep the process alive.
   */
  start(options: { unref?: boolean } = {}): void {
    if (this.stopped || this.timer !== null) return;
    this.next = Math.max(0, Math.floor((this.nowEpochMs() - this.runStartEpochMs) / this.windowMs));
    const arm = (): void => {
      this.closeEnded();
      if (this.stopped) return;
      const boundaryEpochMs = this.runStartEpochMs + (this.next + 1) * this.windowMs;
      // A few ms past the boundary, so a timer that fires a little early still finds the window ended.
      this.timer = setTimeout(arm, Math.max(1, boundaryEpochMs - this.nowEpochMs() + 2));
      if (options.unref) this.timer.unref();
    };
    arm();
  }

  /** Reports every window that has ended and not been reported yet (also called by `start`'s timer). */
  closeEnded(): void {
    const ended = Math.floor((this.nowEpochMs() - this.runStartEpochMs) / this.windowMs);
    if (this.next >= ended || this.stopped) return;
    const first = this.next;
    this.next = ended;
    this.onWindows(first, ended - 1);
  }

  /** Reports the window in progress too (the run's last, partial window), then stops. */
  finish(): void {
    if (this.stopped) return;
    this.closeEnded();
    if (this.nowEpochMs() > this.runStartEpochMs) {
      this.onWindows(this.next, this.next);
      this.next++;
    }
    this.stop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
