import { readdirSync, readFileSync } from 'node:fs';

/** A process on this machine: its id and its command line (arguments split). */
export interface ProcessInfo {
  pid: number;
  argv: string[];
}

/**
 * The direct children of `parentPid`, read from /proc (Linux): how a test finds the engine
 * processes (`avcm agent --partition N`) that an `avcm test` it started has spawned.
 */
export function childProcesses(parentPid: number): ProcessInfo[] {
  const children: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parentPid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      children.push({ pid: Number(entry), argv });
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

/** Waits until `check` returns a value (polling every 100 ms) or the time is up. */
export async function waitFor<T>(check: () => T | undefined | null | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
