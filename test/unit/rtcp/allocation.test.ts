import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

interface Phase { bytes: number; byFunction: Record<string, number>; bigArguments: number }
interface Result { datagrams: number; problems: number; heard: boolean; write?: Phase; readSmall?: Phase; readLarge?: Phase }

const SCRIPT = path.join(import.meta.dirname, 'fixtures', 'allocations.ts');
/** A V8 HeapNumber: map + float64 (12 bytes with pointer compression, 16 without). */
const HEAP_NUMBER_BYTES = 16;

async function profile(nodeFlags: string[], phases: string[]): Promise<Result> {
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeFlags, '--import', 'tsx', SCRIPT, phases.join(',')], { timeout: 120_000 });
  const r = JSON.parse(stdout) as Result;
  expect(r.problems).toBe(0);
  expect(r.heard).toBe(true);
  return r;
}

describe('allocation (fresh process, V8 sampling heap profiler)', () => {
  it('writers, and the reader on values below 2^31, allocate nothing per datagram even when the JIT inlines nothing', async () => {
    // Without inlining every number >= 2^31 crossing a call would be boxed; the writers pass
    // int32s to their helpers so none is. (Before that, 292 B per datagram here.)
    const r = await profile(['--no-turbo-inlining'], ['write', 'readSmall']);
    expect(r.readSmall!.bigArguments).toBe(0);
    // One object per datagram would be >= 16 bytes each; what may remain is a compile-time blip.
    expect(r.write!.bytes / r.datagrams, JSON.stringify(r.write!.byFunction)).toBeLessThan(1);
    expect(r.readSmall!.bytes / r.datagrams, JSON.stringify(r.readSmall!.byFunction)).toBeLessThan(1);
  });

  it('with real SSRCs and NTP times the reader allocates nothing but V8\'s boxes for visitor arguments >= 2^31', async () => {
    const r = await profile([], ['write', 'readSmall', 'readLarge']);
    const large = r.readLarge!;
    expect(r.write!.bytes / r.datagrams, JSON.stringify(r.write!.byFunction)).toBeLessThan(1);
    expect(r.readSmall!.bytes / r.datagrams, JSON.stringify(r.readSmall!.byFunction)).toBeLessThan(1);
    // The visitor API passes plain numbers, so each argument >= 2^31 may cost one HeapNumber;
    // anything beyond that would be an object of ours.
    expect(large.bigArguments / r.datagrams).toBeGreaterThan(10);
    expect(large.bytes, JSON.stringify(large.byFunction)).toBeLessThanOrEqual(large.bigArguments * HEAP_NUMBER_BYTES);
    console.info(
      `rtcp allocation per compound datagram: write ${(r.write!.bytes / r.datagrams).toFixed(2)} B, read (values < 2^31) ${(r.readSmall!.bytes / r.datagrams).toFixed(2)} B, ` +
        `read (real SSRCs/NTP: ${(large.bigArguments / r.datagrams).toFixed(1)} visitor arguments >= 2^31) ${(large.bytes / r.datagrams).toFixed(1)} B`,
    );
  });
});
