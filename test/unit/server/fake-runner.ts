import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AvcmError } from '../../../src/errors/index.js';
import type { PlannedSpike } from '../../../src/plan/types.js';
import type { RunResult, RunStatus } from '../../../src/result/types.js';
import type { LiveSpike, RunOutcome, RunProgress, RunRequest, Runner, RunningRun } from '../../../src/runner/types.js';

const EXIT: Record<RunStatus, number> = { passed: 0, failed: 1, inconclusive: 3, error: 3, aborted: 143 };

/**
 * A run that follows the runner contract and is driven by the test: `begin()` makes it running,
 * `send()` advances its counters, `finish(status)` writes its three reports and settles `done`.
 * `stop()` finishes it as aborted, like the real runner.
 */
export class FakeRun implements RunningRun {
  readonly id: string;
  readonly spikes: LiveSpike[] = [];
  readonly answers = new Map<number, string>();
  stopReason: string | null = null;
  private state: RunProgress['state'] = 'starting';
  private counters = { packetsSent: 0, bytesSent: 0, sendErrors: 0, packetsReceived: 0 };
  private measured: RunProgress['measured'] = null;
  private viewer: RunProgress['viewer'] = null;
  private sender: RunProgress['sender'] = null;
  private resolveDone!: (outcome: RunOutcome) => void;
  readonly done: Promise<RunOutcome>;
  sdpOffer?: (participantId: number) => Promise<string>;
  sdpAnswer?: (participantId: number, sdp: string) => Promise<void>;

  constructor(readonly request: RunRequest) {
    this.id = request.id ?? 'fake';
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    if (request.scenario.participants.transport === 'webrtc' && request.signaling === 'external') {
      this.sdpOffer = async (participantId) => `v=0\r\no=- ${participantId} 1 IN IP4 127.0.0.1\r\n`;
      this.sdpAnswer = async (participantId, sdp) => void this.answers.set(participantId, sdp);
    }
  }

  begin(): void {
    this.state = 'running';
  }

  send(packets: number, bytesPerPacket = 1000, received = packets, extra: { sendErrors?: number; lossPercent?: number; jitterMs?: number; mos?: number } = {}): void {
    this.counters.packetsSent += packets;
    this.counters.bytesSent += packets * bytesPerPacket;
    this.counters.packetsReceived += received;
    this.counters.sendErrors += extra.sendErrors ?? 0;
    this.measured = { packetsReceived: this.counters.packetsReceived, lossPercent: extra.lossPercent ?? 0, jitterMs: extra.jitterMs ?? 1, mos: extra.mos ?? 4.3 };
  }

  /** Sets the cumulative viewer and sender feedback figures the next progress snapshots report. */
  feedback(viewer: RunProgress['viewer'], sender: RunProgress['sender'] = null): void {
    this.viewer = viewer;
    this.sender = sender;
  }

  progress(): RunProgress {
    return {
      state: this.state,
      elapsedMs: 1000,
      durationMs: this.request.scenario.durationMs,
      participants: this.request.scenario.participants.count,
      packetsSent: this.counters.packetsSent,
      bytesSent: this.counters.bytesSent,
      packetsPerSecond: 100,
      sendErrors: this.counters.sendErrors,
      sendRefused: 0,
      activeSpikes: this.spikes.map((_, i) => `live.${i}`),
      measured: this.measured,
      viewer: this.viewer,
      sender: this.sender,
    };
  }

  injectSpike(spike: LiveSpike): PlannedSpike {
    if (spike.participantIds.some((id) => id > 100_000)) throw new AvcmError('E_USAGE', `participant ids ${spike.participantIds.join(', ')} are not in run ${this.id}`);
    this.spikes.push(spike);
    return { id: `live.${this.spikes.length - 1}`, entry: -1, type: spike.type, startMs: 1000, endMs: 1000 + spike.durationMs, params: spike.params, participantIds: spike.participantIds, seed: 1, placedBy: 'live' };
  }

  stop(reason: 'SIGINT' | 'SIGTERM' | 'cancelled'): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    void this.finish('aborted');
  }

  /** Writes the reports (like the runner does before settling) and settles `done`. */
  async finish(status: RunStatus, delayMs = 0, measured: { feedback?: RunResult['totals']['feedback']; rttMs?: number[] } = {}): Promise<RunOutcome> {
    this.state = 'stopping';
    const dir = this.request.reports.outDir;
    await mkdir(dir, { recursive: true });
    const name = this.request.scenario.name;
    const files = { json: path.join(dir, `${name}.json`), junit: path.join(dir, `${name}.xml`), html: path.join(dir, `${name}.html`) };
    const result = {
      resultVersion: 1,
      scenario: name,
      status,
      errorMessage: status === 'aborted' ? `interrupted by ${this.stopReason}` : null,
      assertions: [{ name: 'packet_loss_percent max < 1', measured: status === 'failed' ? 5 : 0, passed: status !== 'failed', message: '' }],
      streams: [{ whole: { delay_ms: 12, rtt_ms: measured.rttMs?.[0] ?? null } }, { whole: { delay_ms: 8, rtt_ms: measured.rttMs?.[1] ?? null } }],
      totals: { feedback: measured.feedback ?? null },
    } as unknown as RunResult;
    await writeFile(files.json, JSON.stringify(result));
    await writeFile(files.junit, `<?xml version="1.0"?>\n<testsuite name="${name}"/>\n`);
    await writeFile(files.html, `<!doctype html><title>${name}</title>`);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    this.state = 'done';
    const outcome = { result, files, unwritten: [], exitCode: EXIT[status] };
    this.resolveDone(outcome);
    return outcome;
  }
}

/** A runner whose runs the test drives; `runs` holds every run it started, by id. */
export class FakeRunner implements Runner {
  readonly runs = new Map<string, FakeRun>();
  failNextStart: Error | null = null;

  start(request: RunRequest): RunningRun {
    if (this.failNextStart) {
      const error = this.failNextStart;
      this.failNextStart = null;
      throw error;
    }
    const run = new FakeRun(request);
    this.runs.set(run.id, run);
    return run;
  }

  run(id: string): FakeRun {
    const run = this.runs.get(id);
    if (!run) throw new Error(`the fake runner started no run ${id}`);
    return run;
  }
}

/** Polls until `check` holds (bounded). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
