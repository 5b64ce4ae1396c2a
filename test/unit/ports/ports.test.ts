import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSourcePortsFree, formatRanges, rangesOverlap, reservePorts, toRanges, udpPortsInUse } from '../../../src/ports/index.js';

const sockets: dgram.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) await new Promise<void>((resolve) => socket.close(() => resolve()));
});

/** Binds `count` consecutive ports below the ephemeral range for the test; returns the first. */
async function holdPorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 24_000 + Math.floor(Math.random() * 7_000);
    const held: dgram.Socket[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const socket = dgram.createSocket('udp4');
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind(base + i, () => resolve());
        });
        held.push(socket);
      }
      sockets.push(...held);
      return base;
    } catch {
      for (const socket of held) socket.close();
    }
  }
  throw new Error('no free port range to hold');
}

describe('port ranges', () => {
  it('fold, print and intersect', () => {
    expect(toRanges([5003, 5000, 5001, 5002, 15000, 5001])).toEqual([{ first: 5000, last: 5003 }, { first: 15000, last: 15000 }]);
    expect(formatRanges(toRanges([1, 2, 3, 7]))).toBe('1..3, 7');
    expect(rangesOverlap(toRanges([1, 2, 3, 10]), toRanges([3, 4, 10, 11]))).toEqual([{ first: 3, last: 3 }, { first: 10, last: 10 }]);
    expect(rangesOverlap(toRanges([1, 2]), toRanges([3]))).toEqual([]);
  });
});

describe('ports held by other programs', () => {
  it('finds the ports some socket holds, without touching the others', async () => {
    const base = await holdPorts(3);
    expect([...(await udpPortsInUse([base, base + 1, base + 2, base + 3]))].sort()).toEqual([base, base + 1, base + 2]);
  });

  it('a clash is an E_NETWORK naming the ports and a base_port that is free now', async () => {
    const base = await holdPorts(2);
    const error = await checkSourcePortsFree([base, base + 1, base + 2], base).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_NETWORK', exitCode: 3 });
    expect((error as Error).message).toBe(`source ports ${base}..${base + 1} are already in use on this machine (2 of the 3 ports ${base}..${base + 2} this run sends from)`);
    const hint = (error as { hint: string }).hint;
    expect(hint).toMatch(/set participants\.base_port: 0 \(ephemeral ports, the default\), or a free range such as base_port: \d+/);
    const suggested = Number(/base_port: (\d+);/.exec(hint)![1]);
    expect(await udpPortsInUse([suggested, suggested + 1, suggested + 2])).toEqual(new Set());
    await expect(checkSourcePortsFree([base + 5], base + 5)).resolves.toBeUndefined();
  });
});

describe('port reservations among avcm runs on one machine', () => {
  it('the second run naming the same ports is told up front which ports and which run; released ports are free again', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-reservations-'));
    const first = await reservePorts([5000, 5001, 5002, 15000], 'smoke (base_port 5000)', dir);
    const error = await reservePorts([5002, 5003], 'other (base_port 5002)', dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_NETWORK' });
    expect((error as Error).message).toMatch(new RegExp(`^source ports 5002 are held by another avcm run on this machine: smoke \\(base_port 5000\\) \\(pid ${process.pid}, since `));
    expect((error as { hint: string }).hint).toBe('give one of the runs participants.base_port: 0 (ephemeral ports, the default) or a range that does not overlap 5000..5002, 15000');
    const beside = await reservePorts([6000], 'beside', dir);
    await first.release();
    await first.release(); // idempotent
    const second = await reservePorts([5002, 5003], 'other', dir);
    await second.release();
    await beside.release();
    expect((await readdir(dir)).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('a reservation left by a process that died is dropped', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-reservations-'));
    const dead = spawn(process.execPath, ['-e', '']);
    const pid = await new Promise<number>((resolve) => dead.once('exit', () => resolve(dead.pid!)));
    await writeFile(path.join(dir, `${pid}-dead.json`), JSON.stringify({ pid, label: 'crashed', ranges: [{ first: 7000, last: 7009 }], createdAt: new Date().toISOString() }));
    const mine = await reservePorts([7005], 'mine', dir);
    expect((await readdir(dir)).filter((f) => f.startsWith(`${pid}-`))).toEqual([]);
    await mine.release();
  });

  it('no fixed ports, nothing reserved', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-reservations-'));
    const none = await reservePorts([], 'ephemeral', dir);
    expect(await readdir(dir)).toEqual([]);
    await none.release();
  });
});
