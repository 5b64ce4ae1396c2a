import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

interface Retention {
  participants: number;
  windowsBetween: number;
  datagrams: number;
  rtcpToParticipants: number;
  dataGrowthBytes: number;
  dataGrowthObjects: number;
  externalGrowthBytes: number;
  arrayBuffersGrowthBytes: number;
}

describe('soak: a long run retains nothing per window or per packet', () => {
  it('the engine, its sessions and the probe (feedback loop on, 2 % loss) keep the same reachable data over 130 fake-time windows', async () => {
    const script = path.join(import.meta.dirname, 'fixtures', 'hot-path-retention.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', script, '4', '150', '20'], { timeout: 240_000, maxBuffer: 1 << 20 });
    const r = JSON.parse(stdout) as Retention;
    console.info(`hot-path retention over ${r.windowsBetween} windows: ${r.dataGrowthObjects} objects, ${r.dataGrowthBytes} B of heap data; ${r.externalGrowthBytes} B external`);
    // The run really ran, with the loop answering losses.
    expect(r.datagrams).toBeGreaterThan(100_000);
    expect(r.rtcpToParticipants).toBeGreaterThan(1000);
    // One object kept per stream and window (8 streams) would be over 1000 objects here, one per
    // packet 200 000; a run that keeps nothing grows by a handful (the pass's own queues).
    expect(r.dataGrowthObjects).toBeLessThan(200);
    expect(r.dataGrowthBytes).toBeLessThan(16 * 1024);
    // A typed array or Buffer re-created as the run goes (a per-window table grown by doubling
    // instead of preallocated, a batch per flush) would show outside the V8 heap.
    expect(r.externalGrowthBytes).toBeLessThan(32 * 1024);
    expect(r.arrayBuffersGrowthBytes).toBeLessThan(32 * 1024);
  }, 300_000);
});
