import dgram from 'node:dgram';
import { readFile } from 'node:fs/promises';

/** Local ports of the UDP sockets in one /proc/net/udp{,6} table (hex `ADDR:PORT` in the second column). */
function parseProcTable(text: string, into: Set<number>): void {
  for (const line of text.split('\n').slice(1)) {
    const local = line.trim().split(/\s+/)[1];
    if (local) into.add(parseInt(local.slice(local.lastIndexOf(':') + 1), 16));
  }
}

/** Whether binding `port` on every address would fail now (another socket holds it). */
async function bindFails(port: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => {
      socket.close();
      resolve(true);
    });
    socket.bind(port, () => socket.close(() => resolve(false)));
  });
}

/** Every UDP port some socket on this machine holds (Linux); null where the tables cannot be read. */
export async function allUdpPortsInUse(): Promise<Set<number> | null> {
  const held = new Set<number>();
  let read = false;
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    const text = await readFile(table, 'utf8').catch(() => null);
    if (text !== null) {
      read = true;
      parseProcTable(text, held);
    }
  }
  return read ? held : null;
}

/**
 * Which of `ports` some UDP socket on this machine holds right now. On Linux it reads the
 * kernel's socket tables (/proc/net/udp and udp6), which touches no port, so a check never
 * disturbs a run binding at the same moment; elsewhere it tries to bind each port and lets go.
 */
export async function udpPortsInUse(ports: readonly number[]): Promise<Set<number>> {
  const held = await allUdpPortsInUse();
  if (held) return new Set(ports.filter((port) => held.has(port)));
  const busy = new Set<number>();
  for (const port of ports) if (await bindFails(port)) busy.add(port);
  return busy;
}
