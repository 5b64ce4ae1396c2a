import { describe, expect, it } from 'vitest';
import { DROP } from '../../../src/chaos/index.js';
import type { MahimahiTrace, TimelineTrace } from '../../../src/trace/index.js';
import { binomialTolerance, chaosFor, spike } from './spike-fixture.js';

/** A timeline of 1 s rows from columns (null = unimpaired), `periodMs` long. */
function timeline(rows: { loss?: number; delay?: number; jitter?: number; kbps?: number }[], periodMs = rows.length * 1000): TimelineTrace {
  return {
    kind: 'timeline',
    periodMs,
    tMs: rows.map((_, i) => i * 1000),
    lossPercent: rows.map((r) => r.loss ?? null),
    delayMs: rows.map((r) => r.delay ?? null),
    jitterMs: rows.map((r) => r.jitter ?? null),
    bandwidthKbps: rows.map((r) => r.kbps ?? null),
  };
}

function traceSpike(trace: TimelineTrace | MahimahiTrace, over: Parameters<typeof spike>[2] = {}, queueMs = 200) {
  return spike('trace', { traceFile: 't', queueMs }, { trace, ...over });
}

/** Offers `bytes` every `everyMs` over [fromMs, toMs) and returns each packet's leave time (DROP = -1). */
function offer(chaos: ReturnType<typeof chaosFor>, fromMs: number, toMs: number, everyMs: number, bytes = 1000): { atMs: number; leaveMs: number }[] {
  const out: { atMs: number; leaveMs: number }[] = [];
  for (let atMs = fromMs; atMs < toMs; atMs += everyMs) out.push({ atMs, leaveMs: chaos.processPacket(bytes, atMs) });
  return out;
}

describe('trace replay: a timeline (loss, delay, jitter, bandwidth per row)', () => {
  it("loses each row's share of packets, and adds each row's delay", () => {
    const chaos = chaosFor([traceSpike(timeline([{}, { loss: 20 }, { delay: 80 }, { loss: 5, delay: 30 }]))]);
    const sent = offer(chaos, 0, 4000, 0.5); // 2000 packets per row
    const row = (i: number) => sent.filter((p) => p.atMs >= i * 1000 && p.atMs < (i + 1) * 1000);
    const lossOf = (i: number) => row(i).filter((p) => p.leaveMs === DROP).length / row(i).length;
    const delays = (i: number) => row(i).filter((p) => p.leaveMs !== DROP).map((p) => p.leaveMs - p.atMs);
    expect(lossOf(0)).toBe(0);
    expect(Math.abs(lossOf(1) - 0.2)).toBeLessThan(binomialTolerance(0.2, 2000));
    expect(lossOf(2)).toBe(0);
    expect(Math.abs(lossOf(3) - 0.05)).toBeLessThan(binomialTolerance(0.05, 2000));
    expect(new Set(delays(0))).toEqual(new Set([0]));
    expect(new Set(delays(2))).toEqual(new Set([80]));
    expect(new Set(delays(3))).toEqual(new Set([30]));
  });

  it("draws each row's jitter as the standard deviation of a gaussian delay around its delay", () => {
    const chaos = chaosFor([traceSpike(timeline([{ delay: 100, jitter: 10 }]))]);
    const delays = offer(chaos, 0, 1000, 0.1).map((p) => p.leaveMs - p.atMs); // 10000 packets
    const mean = delays.reduce((s, d) => s + d, 0) / delays.length;
    const sd = Math.sqrt(delays.reduce((s, d) => s + (d - mean) ** 2, 0) / delays.length);
    expect(Math.abs(mean - 100)).toBeLessThan(0.5);
    expect(Math.abs(sd - 10)).toBeLessThan(0.5);
  });

  it("holds the output to each row's bandwidth through a bounded queue, and an unlimited row drains what was queued first", () => {
    const chaos = chaosFor([traceSpike(timeline([{ kbps: 1000 }, { kbps: 4000 }, {}]))]);
    const sent = offer(chaos, 0, 3000, 4, 1000); // 2000 kbit/s offered
    const delivered = (from: number, to: number) => sent.filter((p) => p.leaveMs !== DROP && p.leaveMs >= from && p.leaveMs < to).length * 8; // kbit
    // Row 0 (1000 kbit/s): what leaves leaves at the limit; of 250 packets the link takes 125 and the
    // 200 ms queue 25 more, the other 100 are dropped; nothing waits more than the queue bound.
    expect(Math.abs(delivered(200, 1000) / 0.8 - 1000)).toBeLessThan(40);
    const row0 = sent.filter((p) => p.atMs < 1000);
    expect(Math.abs(row0.filter((p) => p.leaveMs === DROP).length / row0.length - 0.4)).toBeLessThan(0.03);
    for (const p of sent) if (p.leaveMs !== DROP) expect(p.leaveMs - p.atMs).toBeLessThanOrEqual(200);
    // Row 1 (4000 kbit/s) carries all 2000 kbit/s once the queue drained; row 2 is not limited at all.
    expect(sent.filter((p) => p.atMs >= 1500 && p.atMs < 2000).every((p) => p.leaveMs === p.atMs)).toBe(true);
    expect(sent.filter((p) => p.atMs >= 2000).every((p) => p.leaveMs === p.atMs)).toBe(true);
  });

  it('starts at the spike start, repeats when the spike outlasts the trace, and is deterministic for a seed', () => {
    const trace = timeline([{ delay: 10 }, { delay: 50, loss: 30 }], 2000);
    const a = chaosFor([traceSpike(trace, { startMs: 5000, endMs: 11_000 })]);
    const b = chaosFor([traceSpike(trace, { startMs: 5000, endMs: 11_000 })]);
    const c = chaosFor([traceSpike(trace, { startMs: 5000, endMs: 11_000, seed: 99 })]);
    const run = (chaos: ReturnType<typeof chaosFor>) => offer(chaos, 0, 12_000, 1).map((p) => p.leaveMs);
    const first = run(a);
    expect(run(b)).toEqual(first); // same seed, same packets: identical drops and leave times
    expect(run(c)).not.toEqual(first); // another seed draws other losses
    const delayAt = (ms: number) => first[ms] - ms;
    expect(delayAt(4500)).toBe(0); // before the spike
    expect(delayAt(5500)).toBe(10); // trace 0.5 s
    expect([50, DROP - 6500]).toContain(delayAt(6500)); // trace 1.5 s: delayed 50 or lost
    expect(delayAt(7500)).toBe(10); // trace 2.5 s = 0.5 s again: it repeats
    expect(delayAt(9500)).toBe(10);
    expect(delayAt(11_500)).toBe(0); // after the spike
  });
});

describe('trace replay: a Mahimahi packet-delivery trace', () => {
  /** One opportunity every `everyMs` ms for `periodMs` (1500 B each: 12 000 / everyMs kbit/s). */
  function mahimahi(everyMs: number, periodMs: number): MahimahiTrace {
    return { kind: 'mahimahi', periodMs, deliveryMs: Array.from({ length: Math.floor(periodMs / everyMs) }, (_, i) => (i + 1) * everyMs) };
  }

  it('delivers at the trace rate: 1500 B per opportunity, small packets share one, a large one leaves at the opportunity of its last byte', () => {
    const chaos = chaosFor([traceSpike(mahimahi(10, 1000))]); // 1.2 Mbit/s
    expect(chaos.processPacket(500, 0)).toBe(10);
    expect(chaos.processPacket(500, 1)).toBe(10);
    expect(chaos.processPacket(500, 2)).toBe(10); // three 500 B packets fill the opportunity at 10 ms
    expect(chaos.processPacket(500, 3)).toBe(20);
    expect(chaos.processPacket(1400, 4)).toBe(30); // 1000 B left at 20 ms, the rest at 30 ms
    // The link was idle from 30 ms to 95 ms: those opportunities are gone, the next packet takes 100 ms.
    expect(chaos.processPacket(100, 95)).toBe(100);
  });

  it('over the trace rate the output is the trace rate, the excess is tail-dropped at the queue bound; under it packets only wait for the next opportunity', () => {
    const chaos = chaosFor([traceSpike(mahimahi(5, 1000))]); // 2.4 Mbit/s
    const sent = offer(chaos, 0, 5000, 2, 1200); // 4.8 Mbit/s offered
    const delivered = sent.filter((p) => p.leaveMs !== DROP);
    const kbps = (delivered.filter((p) => p.leaveMs >= 1000 && p.leaveMs < 5000).length * 1200 * 8) / 4000;
    expect(Math.abs(kbps - 2400)).toBeLessThan(30);
    expect(Math.abs(1 - delivered.length / sent.length - 0.5)).toBeLessThan(0.03);
    for (const p of delivered) expect(p.leaveMs - p.atMs).toBeLessThanOrEqual(200);
    const light = chaosFor([traceSpike(mahimahi(1, 1000))]); // 12 Mbit/s, 1 Mbit/s offered
    for (const p of offer(light, 0, 2000, 10, 1250)) expect(p.leaveMs - p.atMs).toBeLessThanOrEqual(1);
  });

  it('repeats with the last timestamp as the period, relative to the spike start, and is deterministic', () => {
    const trace: MahimahiTrace = { kind: 'mahimahi', periodMs: 100, deliveryMs: [10, 10, 100] };
    const chaos = chaosFor([traceSpike(trace, { startMs: 1000 })]);
    expect(chaos.processPacket(1500, 1000)).toBe(1010);
    expect(chaos.processPacket(1500, 1000)).toBe(1010); // two opportunities at 10 ms
    expect(chaos.processPacket(1500, 1000)).toBe(1100);
    expect(chaos.processPacket(1500, 1101)).toBe(1110); // the second period
    const run = () => {
      const c = chaosFor([traceSpike(mahimahi(3, 999))]);
      return offer(c, 0, 3000, 1.7, 900).map((p) => p.leaveMs);
    };
    expect(run()).toEqual(run());
  });
});

describe('trace replay on the hot path', () => {
  it('allocates nothing per packet (fresh process, V8 sampling heap profiler; the least of up to three passes)', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const path = await import('node:path');
    const script = path.join(import.meta.dirname, 'fixtures', 'trace-allocations.ts');
    type Pass = { packets: number; bytes: number; byFunction: Record<string, number>; leaves: number };
    // A pass that catches V8 recompiling a stage can see a float boxed for a while: the path is
    // allocation-free when one of three fresh processes measures it so (each pass alone fails
    // with about one boxed float per packet, the regression this guards against).
    let best: Pass | null = null;
    for (let attempt = 0; attempt < 3 && (best === null || best.bytes / best.packets >= 1); attempt++) {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { timeout: 60_000 });
      const pass = JSON.parse(stdout) as Pass;
      expect(pass.leaves).toBeGreaterThan(150_000); // packets did go through (and some were lost)
      expect(pass.leaves).toBeLessThan(300_000);
      if (best === null || pass.bytes < best.bytes) best = pass;
    }
    // One object per packet would be >= 16 bytes each (3.2 MB).
    expect(best!.bytes / best!.packets, JSON.stringify(best!.byFunction)).toBeLessThan(1);
  });
});
