import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Endpoint } from '../../plan/types.js';

/**
 * How many UDP sockets of this network namespace are bound to `bound` (an IPv4 address and port),
 * from Linux's /proc/net/udp; null where that cannot be told (not Linux, IPv6). A sharded probe
 * counts them after its shards bound: SO_REUSEPORT lets any socket of the same user with the
 * option join the port (the kernel may even hand out such a port for port 0), and one more socket
 * than shards means another program would silently take a share of the participants.
 */
export function udpSocketsBoundTo(bound: Endpoint): number | null {
  const words = bound.host.split('.');
  if (words.length !== 4 || os.endianness() !== 'LE') return null;
  // The kernel prints the address as the host-order hex of the network-order word (x86: bytes reversed).
  const address = words
    .map((w) => Number(w).toString(16).padStart(2, '0'))
    .reverse()
    .join('')
    .toUpperCase();
  const local = `${address}:${bound.port.toString(16).padStart(4, '0').toUpperCase()}`;
  let text: string;
  try {
    text = readFileSync('/proc/net/udp', 'utf8');
  } catch {
    return null;
  }
  let count = 0;
  for (const line of text.split('\n').slice(1)) if (line.trim().split(/\s+/)[1] === local) count++;
  return count;
}
