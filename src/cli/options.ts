import { InvalidArgumentError } from 'commander';
import type { IoPath } from '../io/index.js';
import { parseDurationMs, parseUdpUrl, type UdpUrl } from '../scenario/units.js';

/** commander argument parsers: bad values become usage errors (exit 2) with the reason. */
export function integerOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number ${min}..${max}, found "${value}"`);
    return n;
  };
}

/** A percentage 0..100, fractions allowed ("0.5"). */
export function percentOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError(`expected a percentage 0..100, found "${value}"`);
  return n;
}

export function durationOption(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === null || ms <= 0) throw new InvalidArgumentError(`expected a duration like 30s, 2m or 1h30m, found "${value}"`);
  return ms;
}

export function udpUrlOption(value: string): UdpUrl {
  const url = parseUdpUrl(value);
  if (!url) throw new InvalidArgumentError(`expected udp://HOST:PORT, found "${value}"`);
  return url;
}

export const seedOption = integerOption(0, 4294967295);
export const partitionsOption = integerOption(1, 64);

export function backendOption(value: string): 'local' | 'docker' | 'k8s' {
  if (value !== 'local' && value !== 'docker' && value !== 'k8s') throw new InvalidArgumentError(`expected local, docker or k8s, found "${value}"`);
  return value;
}

/** `--io batched|dgram`: the UDP I/O path (the flag wins over AVCM_IO). */
export function ioOption(value: string): IoPath {
  if (value !== 'batched' && value !== 'dgram') throw new InvalidArgumentError(`expected batched or dgram, found "${value}"`);
  return value;
}

/** The help text of `--io` on every verb that has it. */
export const IO_OPTION_HELP = 'UDP I/O: batched (sendmmsg/GSO/recvmmsg addon) or dgram (node:dgram); default: AVCM_IO, else batched when the addon loads';
