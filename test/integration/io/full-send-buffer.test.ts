import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/full-send-buffer.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Why the namespace cannot be made here, or null when it can (root with unshare, ip and tc). */
function namespaceUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to create a network namespace';
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && tc qdisc add dev lo root tbf rate 8kbit burst 4000 limit 1000000'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `cannot shape a private loopback (unshare/ip/tc): ${(probe.stderr || String(probe.error)).trim()}`;
}

describe('SendBatch with a full socket send buffer (EAGAIN)', () => {
  it('drops the rest of the socket run and counts it: sent + dropped = pushed, per flush and per socket', ({ skip }) => {
    const unavailable = namespaceUnavailable();
    if (unavailable) skip(unavailable);
    const run = spawnSync(
      'unshare',
      ['-n', 'sh', '-c', `ip link set lo up && tc qdisc add dev lo root tbf rate 8kbit burst 4000 limit 1000000 && exec "${process.execPath}" --import tsx "${fixture}"`],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const results = JSON.parse(run.stdout) as Record<string, { first: Record<string, number>; second: Record<string, number>; totals: Record<string, number>; counters: Record<string, unknown> }>;
    for (const mode of ['gso', 'sendmmsg']) {
      const { first, second, totals, counters } = results[mode];
      expect(first.wouldBlock).toBe(1);
      expect(first.packetsSent).toBeGreaterThan(0);
      expect(first.packetsDropped).toBeGreaterThan(0);
      expect(first.packetsSent + first.packetsDropped).toBe(200);
      expect(second).toMatchObject({ packetsSent: 0, packetsDropped: 10, wouldBlock: 1 });
      expect(counters).toMatchObject({ packetsSent: totals.packetsSent, sendDropped: totals.packetsDropped, wouldBlock: 2, lastSendError: 'EAGAIN', sendErrors: 0 });
    }
    // With GSO the first super-datagram carries many packets before the buffer is full.
    expect(results.gso.first.gsoDatagrams).toBeGreaterThanOrEqual(1);
    expect(results.gso.first.packetsSent).toBeGreaterThan(results.sendmmsg.first.packetsSent);
  });
});
