import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AvcmError } from '../errors/index.js';
import { formatRanges, rangesOverlap, toRanges, type PortRange } from './port-ranges.js';

/** A run's hold on its fixed ports; `release()` when the run's sockets are closed. Idempotent. */
export interface PortReservation {
  release(): Promise<void>;
}

interface ReservationFile {
  pid: number;
  label: string;
  ranges: PortRange[];
  createdAt: string;
}

/** Where avcm processes on this machine note the fixed ports their runs hold. */
export function defaultReservationDir(): string {
  return path.join(os.tmpdir(), 'avcm-port-reservations');
}

/** A lock older than this was left by a process that died holding it. */
const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 15_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `work` holding the folder's lock (mkdir is atomic: one process at a time). */
async function withLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, '.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_LOCK_MS) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new AvcmError('E_NETWORK', `the port reservations in ${dir} stay locked`, { hint: `if no avcm run is starting, remove ${lock}` });
      else await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Reserves fixed ports for a run among the avcm processes of this machine, so two runs that name
 * the same ports (the same `base_port`) never both bind some of them and both fail: the second
 * is told up front which ports the first holds. Reservations live as small files next to a lock
 * folder; one whose process has died is dropped. Other programs are not in this book: check
 * them with `udpPortsInUse`.
 */
export async function reservePorts(ports: readonly number[], label: string, dir: string = defaultReservationDir()): Promise<PortReservation> {
  const ranges = toRanges(ports);
  if (ranges.length === 0) return { release: async () => undefined };
  await mkdir(dir, { recursive: true });
  const mine = path.join(dir, `${process.pid}-${randomBytes(4).toString('hex')}.json`);
  await withLock(dir, async () => {
    for (const name of (await readdir(dir)).filter((n) => n.endsWith('.json'))) {
      const file = path.join(dir, name);
      const other = await readFile(file, 'utf8').then((text) => JSON.parse(text) as ReservationFile, () => null);
      if (!other || !alive(other.pid)) {
        await rm(file, { force: true });
        continue;
      }
      const clash = rangesOverlap(ranges, other.ranges);
      if (clash.length > 0) {
        throw new AvcmError('E_NETWORK', `source ports ${formatRanges(clash)} are held by another avcm run on this machine: ${other.label} (pid ${other.pid}, since ${other.createdAt})`, {
          hint: `give one of the runs participants.base_port: 0 (ephemeral ports, the default) or a range that does not overlap ${formatRanges(other.ranges)}`,
        });
      }
    }
    const entry: ReservationFile = { pid: process.pid, label, ranges, createdAt: new Date().toISOString() };
    await writeFile(mine, JSON.stringify(entry));
  });
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      await rm(mine, { force: true });
    },
  };
}
