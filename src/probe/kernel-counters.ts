import { readFileSync } from 'node:fs';

/**
 * The kernel's UDP buffer-overflow counters (Linux `/proc/net/snmp`, line `Udp:`), for telling
 * drops in the kernel from loss on the path; null where the file does not exist.
 */
export function udpKernelCounters(): { rcvbufErrors: number; sndbufErrors: number } | null {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const names = lines[0].split(/\s+/);
    const values = lines[1].split(/\s+/).map(Number);
    return { rcvbufErrors: values[names.indexOf('RcvbufErrors')], sndbufErrors: values[names.indexOf('SndbufErrors')] };
  } catch {
    return null;
  }
}
