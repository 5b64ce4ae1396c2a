import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

interface Growth { rssGrowthBytes: number; arrayBuffersGrowthBytes: number }
interface Churn { rounds: number; srtp: boolean; received: number; firstHalf: Growth; secondHalf: Growth }

describe('native layer: opening and closing sockets, batches and SRTP sessions frees what they took', () => {
  it('memory stays bounded over thousands of open/send/receive/close rounds (fresh process, after full collections)', async () => {
    const script = path.join(import.meta.dirname, 'fixtures', 'native-churn.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', script, '1500'], { timeout: 180_000 });
    const churn = JSON.parse(stdout) as Churn;
    console.info(`native churn: ${JSON.stringify(churn)}`);
    expect(churn.received).toBeGreaterThan(0);
    // A receive batch's slab and typed arrays, and a send batch's, are JS memory the addon holds by
    // a reference its finalizer drops: kept, they would be 300 KB a round (hundreds of MB here).
    for (const half of [churn.firstHalf, churn.secondHalf]) expect(half.arrayBuffersGrowthBytes).toBeLessThan(1 << 20);
    // The addon's own allocations (a receive batch's headers and address slots alone are ~15 KB a
    // round, 22 MB over 1500 rounds; SRTP contexts, poll handles, sockets) show in RSS only. After
    // the warm-up the allocator has its working size: the margin is the allocator's, not a leak's.
    expect(churn.secondHalf.rssGrowthBytes).toBeLessThan(8 << 20);
  }, 240_000);
});
