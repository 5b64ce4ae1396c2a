import { AvcmError } from '../errors/index.js';
import { formatRanges, toRanges } from './port-ranges.js';
import { allUdpPortsInUse, udpPortsInUse } from './ports-in-use.js';

/** Where a free base_port is looked for, in steps of this many ports. */
const SUGGEST_FROM = 10_000;
const SUGGEST_STEP = 1_000;

/**
 * A base_port at which every port of the run (`ports` shifted from `basePort`) is free now, or
 * null when none is found or the socket tables cannot be read.
 */
async function freeBasePort(ports: readonly number[], basePort: number): Promise<number | null> {
  const held = await allUdpPortsInUse();
  if (!held) return null;
  const offsets = ports.map((port) => port - basePort);
  const span = Math.max(...offsets);
  for (let base = SUGGEST_FROM; base + span <= 65535; base += SUGGEST_STEP) {
    if (base !== basePort && offsets.every((offset) => !held.has(base + offset))) return base;
  }
  return null;
}

/**
 * Before any engine starts: fails with E_NETWORK when another program (or another run) already
 * holds one of the run's fixed source ports, naming those ports and a base_port that is free now,
 * instead of letting one engine fail on it later.
 */
export async function checkSourcePortsFree(ports: readonly number[], basePort: number): Promise<void> {
  if (ports.length === 0) return;
  const busy = await udpPortsInUse(ports);
  if (busy.size === 0) return;
  const suggestion = await freeBasePort(ports, basePort);
  throw new AvcmError('E_NETWORK', `source ports ${formatRanges(toRanges(busy))} are already in use on this machine (${busy.size} of the ${ports.length} ports ${formatRanges(toRanges(ports))} this run sends from)`, {
    hint:
      'another program or run holds them: set participants.base_port: 0 (ephemeral ports, the default)' +
      (suggestion === null ? ' or a free range' : `, or a free range such as base_port: ${suggestion}`) +
      "; `ss -uanp` shows which process holds a port",
  });
}
