import { describe, expect, it } from 'vitest';
import type { PlannedSpike } from '../../../src/plan/types.js';
import { SutTimeline, type SutAction, type SutActionOutcome, type SutDriver } from '../../../src/sut/index.js';

/** A driver that records what it was asked, when, and answers as told (the timeline's own logic is under test here). */
class RecordingDriver implements SutDriver {
  readonly name = 'command';
  readonly calls: { action: SutAction; spikeId: string; atMs: number }[] = [];
  running = 0;
  overlapped = false;

  constructor(
    private readonly started: number,
    private readonly options: { canStart?: boolean; failing?: SutAction[]; takesMs?: number } = {},
  ) {}

  supports(action: SutAction): boolean {
    return action !== 'start' || this.options.canStart !== false;
  }

  async run(action: SutAction, context: { spikeId: string }): Promise<SutActionOutcome> {
    if (++this.running > 1) this.overlapped = true;
    this.calls.push({ action, spikeId: context.spikeId, atMs: Date.now() - this.started });
    await new Promise((r) => setTimeout(r, this.options.takesMs ?? 5));
    this.running--;
    const failed = this.options.failing?.includes(action) ?? false;
    return { ok: !failed, exitCode: failed ? 1 : 0, output: `${action} output`, detail: `./${action}.sh`, error: failed ? `${action} command exited with 1` : null };
  }

  async close(): Promise<void> {}
}

const spike = (id: string, type: PlannedSpike['type'], startMs: number, endMs: number): PlannedSpike => ({ id, entry: 0, type, startMs, endMs, params: {}, participantIds: [1001], seed: 1, placedBy: 'at' });
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the SUT timeline', () => {
  it('runs each spike at its edges on the run clock: restart at the start; pause then resume; kill then start', async () => {
    const now = Date.now();
    const driver = new RecordingDriver(now);
    const spikes = [spike('0.0', 'sut_restart', 50, 100), spike('1.0', 'sut_pause', 150, 250), spike('2.0', 'sut_kill', 300, 350), spike('3.0', 'rtp_packet_loss', 0, 400)];
    const timeline = new SutTimeline(spikes, driver);
    timeline.start(now);
    await wait(500);
    await timeline.close();
    expect(driver.calls.map((c) => [c.spikeId, c.action])).toEqual([
      ['0.0', 'restart'],
      ['1.0', 'pause'],
      ['1.0', 'resume'],
      ['2.0', 'kill'],
      ['2.0', 'start'],
    ]);
    // Not before its time (timers never fire early).
    expect(driver.calls.map((c) => c.atMs >= [50, 150, 250, 300, 350][driver.calls.indexOf(c)])).toEqual([true, true, true, true, true]);
    const records = timeline.records();
    expect(records.map((r) => [r.spikeId, r.spikeType, r.action, r.phase, r.ok, r.exitCode, r.output])).toEqual([
      ['0.0', 'sut_restart', 'restart', 'start', true, 0, 'restart output'],
      ['1.0', 'sut_pause', 'pause', 'start', true, 0, 'pause output'],
      ['1.0', 'sut_pause', 'resume', 'end', true, 0, 'resume output'],
      ['2.0', 'sut_kill', 'kill', 'start', true, 0, 'kill output'],
      ['2.0', 'sut_kill', 'start', 'end', true, 0, 'start output'],
    ]);
    expect(records.every((r) => r.endedAtEpochMs >= r.startedAtEpochMs && r.startedAtEpochMs >= now)).toBe(true);
    expect(timeline.failure()).toBeNull();
  });

  it('never runs two actions at once: a slow action delays the next one', async () => {
    const now = Date.now();
    const driver = new RecordingDriver(now, { takesMs: 150 });
    const timeline = new SutTimeline([spike('0.0', 'sut_pause', 10, 60), spike('1.0', 'sut_restart', 80, 120)], driver);
    timeline.start(now);
    await wait(700);
    await timeline.close();
    expect(driver.overlapped).toBe(false);
    expect(driver.calls.map((c) => c.action)).toEqual(['pause', 'resume', 'restart']);
  });

  it('a run that ends early resumes a paused SUT before close returns, and runs nothing not yet due', async () => {
    const now = Date.now();
    const driver = new RecordingDriver(now);
    const timeline = new SutTimeline([spike('0.0', 'sut_pause', 20, 10_000), spike('1.0', 'sut_restart', 20_000, 21_000)], driver);
    timeline.start(now);
    await wait(150);
    await timeline.close();
    expect(driver.calls.map((c) => c.action)).toEqual(['pause', 'resume']);
    await wait(50);
    expect(driver.calls).toHaveLength(2);
  });

  it('a kill without a way to start leaves bringing the SUT back to it (no end action)', async () => {
    const now = Date.now();
    const driver = new RecordingDriver(now, { canStart: false });
    const timeline = new SutTimeline([spike('0.0', 'sut_kill', 10, 50)], driver);
    timeline.start(now);
    await wait(200);
    await timeline.close();
    expect(driver.calls.map((c) => c.action)).toEqual(['kill']);
  });

  it('a failed action is recorded and reported as E_SUT_ACTION_FAILED with a hint; the timeline goes on', async () => {
    const now = Date.now();
    const driver = new RecordingDriver(now, { failing: ['pause'] });
    const logged: string[] = [];
    const timeline = new SutTimeline([spike('0.0', 'sut_pause', 10, 60)], driver, (line) => logged.push(line));
    timeline.start(now);
    await wait(250);
    await timeline.close();
    expect(timeline.records().map((r) => [r.action, r.ok, r.error])).toEqual([
      ['pause', false, 'pause command exited with 1'],
      ['resume', true, null],
    ]);
    const failure = timeline.failure()!;
    expect(failure.code).toBe('E_SUT_ACTION_FAILED');
    expect(failure.message).toBe('sut 0.0 sut_pause: pause failed: pause command exited with 1');
    expect(failure.hint).toMatch(/run the command by hand/);
    expect(logged[0]).toMatch(/^sut 0\.0 sut_pause: pause FAILED after \d\.\ds, exit 1: pause command exited with 1\n  output: pause output$/);
  });
});
