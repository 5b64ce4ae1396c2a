import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../../src/cli/deps.js';
import { PROBE_REPORT_MARKER, registerReceive } from '../../../src/cli/receive.js';
import type { ProbeReport } from '../../../src/probe/index.js';
import { rtpPacket } from './packets.js';

interface Harness {
  done: Promise<void>;
  out: { stdout: string; stderr: string; code: number };
  interrupt(signal: 'SIGINT' | 'SIGTERM'): void;
}

/** Runs `avcm receive ...` in-process on a fresh Command with a test Deps. */
function receive(args: string[], cwd: string): Harness {
  const out = { stdout: '', stderr: '', code: -1 };
  let listener: ((s: 'SIGINT' | 'SIGTERM') => void) | null = null;
  const deps: Deps = {
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t) },
    env: {},
    cwd,
    onInterrupt: (l) => {
      listener = l;
      return () => (listener = null);
    },
  };
  const program = new Command().exitOverride().configureOutput({ writeOut: (t) => (out.stdout += t), writeErr: (t) => (out.stderr += t) });
  registerReceive(program, deps, (c) => (out.code = c));
  const done = program.parseAsync(['node', 'avcm', 'receive', ...args]).then(
    () => undefined,
    (error: { exitCode?: number }) => void (out.code = error.exitCode ?? 1),
  );
  return { done, out, interrupt: (s) => listener?.(s) };
}

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function send(port: number, packets: Buffer[]): Promise<void> {
  const s = dgram.createSocket('udp4');
  for (const p of packets) await new Promise<void>((resolve) => s.send(p, port, '127.0.0.1', () => resolve()));
  s.close();
}

describe('avcm receive', () => {
  it('measures for --duration, prints the live table, writes the report to --json atomically, exits 0', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'avcm-receive-'));
    const port = await freePort();
    const run = receive(['--listen', `udp://127.0.0.1:${port}`, '--duration', '2.5s', '--json', 'out/report.json'], dir);
    await until(() => run.out.stderr.includes('listening'));
    expect(run.out.stderr).toContain(`listening on udp://127.0.0.1:${port} for 2.5s`);
    const packets: Buffer[] = [];
    for (let i = 0; i < 100; i++) {
      if (i === 30) continue; // one lost
      packets.push(rtpPacket({ seq: i, ts: i * 960, participant: 1001 }));
      packets.push(rtpPacket({ seq: i, ts: i * 3000, pt: 100, ssrc: 5 })); // foreign payload type (97 is RTX)
    }
    await send(port, packets);
    await run.done;
    expect(run.out.code).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'out/report.json'), 'utf8')) as ProbeReport;
    expect(readdirSync(path.join(dir, 'out'))).toEqual(['report.json']); // no temp file left behind
    expect(report.streams).toHaveLength(1);
    expect(report.streams[0]).toMatchObject({ participantId: 1001, media: 'audio', totals: { received: 99, expected: 100, lost: 1 } });
    expect(report.foreignPackets).toBe(99);
    expect(report.windowCount).toBeGreaterThanOrEqual(3);
    // the table printed at 2 s
    expect(run.out.stdout).toMatch(/participant\s+media\s+ssrc\s+pkts\s+lost %\s+jitter ms\s+delay ms\s+kbps\s+fps\s+MOS/);
    expect(run.out.stdout).toMatch(/\n1001\s+audio\s+0000002a\s+99\s/);
    expect(run.out.stderr).toContain('1 streams, 99 packets received, 1 lost, 0 malformed, 99 foreign');
  });

  it('without --duration it runs until SIGINT, then reports (exit 0); --legacy-extensions reads the legacy layout; --json - prints one marked line', async () => {
    const port = await freePort();
    const run = receive(['--listen', `udp://127.0.0.1:${port}`, '--legacy-extensions', '--json', '-', '--quiet'], os.tmpdir());
    await until(() => run.out.stderr.includes('listening'));
    // legacy layout: profile 0x0001, one word, participant id little-endian
    const legacy = (seq: number): Buffer => {
      const b = Buffer.alloc(12 + 8 + 50);
      b[0] = 0x90;
      b[1] = 111;
      b.writeUInt16BE(seq, 2);
      b.writeUInt32BE(seq * 960, 4);
      b.writeUInt32BE(99, 8);
      b.writeUInt16BE(0x0001, 12);
      b.writeUInt16BE(1, 14);
      b.writeUInt32LE(4242, 16);
      return b;
    };
    await send(port, [0, 1, 2, 3, 4].map(legacy));
    await new Promise((r) => setTimeout(r, 100));
    run.interrupt('SIGINT');
    await run.done;
    expect(run.out.code).toBe(0);
    const line = run.out.stdout.split('\n').find((l) => l.startsWith(PROBE_REPORT_MARKER))!;
    const report = JSON.parse(line.slice(PROBE_REPORT_MARKER.length + 1)) as ProbeReport;
    expect(report.streams[0]).toMatchObject({ participantId: 4242, ssrc: 99, totals: { received: 5, lost: 0 } });
    expect(run.out.stdout).not.toContain('participant  media'); // --quiet: no table
  });

  it('an interruption before --duration ends is exit 130 (SIGINT) / 143 (SIGTERM), and the report is still written', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'avcm-receive-'));
    const port = await freePort();
    const run = receive(['--listen', `udp://127.0.0.1:${port}`, '--duration', '1m', '--json', 'r.json'], dir);
    await until(() => run.out.stderr.includes('listening'));
    run.interrupt('SIGTERM');
    await run.done;
    expect(run.out.code).toBe(143);
    expect(existsSync(path.join(dir, 'r.json'))).toBe(true);
  });

  it('--shards 2 (batched I/O) receives on two threads sharing the port: one report and one table of all sources', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'avcm-receive-'));
    const port = await freePort();
    const run = receive(['--listen', `udp://127.0.0.1:${port}`, '--duration', '5.5s', '--json', 'r.json', '--io', 'batched', '--shards', '2'], dir);
    await until(() => run.out.stderr.includes('listening'), 20_000);
    expect(run.out.stderr).toContain('batched I/O, 2 shards');
    // Ten sources, each its own socket: the kernel spreads them over the two shards' sockets. Two tables (2 s, 4 s): on a busy machine the first may come before the shards' rows.
    await Promise.all(Array.from({ length: 10 }, (_, k) => send(port, Array.from({ length: 50 }, (_, i) => rtpPacket({ seq: i, ts: i * 960, ssrc: 0x500 + k, participant: 2001 + k })))));
    await run.done;
    expect(run.out.code).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8')) as ProbeReport;
    expect(report.streams.map((s) => [s.participantId, s.totals.received, s.totals.lost])).toEqual(Array.from({ length: 10 }, (_, k) => [2001 + k, 50, 0]));
    expect(run.out.stdout).toMatch(/\n2010\s+audio\s+00000509\s+50\s/);
    expect(run.out.stderr).toContain('10 streams, 500 packets received, 0 lost');
  }, 30_000);

  it('rejects a bad --listen with a usage error before binding anything', async () => {
    const run = receive(['--listen', 'http://example:1'], os.tmpdir());
    await run.done;
    expect(run.out.code).not.toBe(0);
    expect(run.out.stderr).toContain('expected udp://HOST:PORT');
  });
});
