import { InvalidArgumentError } from 'commander';
import type { IoPath } from '../io/index.js';
import { checkUdpUrl, hostProblem, httpUrlProblem, portProblem } from '../scenario/endpoints.js';
import { parseDurationMs, type UdpUrl } from '../scenario/units.js';

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

/** A place to send to: udp://HOST:PORT with a port 1..65535. */
export function udpUrlOption(value: string): UdpUrl {
  const checked = checkUdpUrl(value, 'refuse');
  if (!checked.ok) throw new InvalidArgumentError(checked.malformed ? checked.problem : `${checked.problem}, found "${value}"`);
  return checked.value;
}

/** A place to listen on: udp://HOST:PORT, port 0 = an ephemeral port. */
export function udpListenOption(value: string): UdpUrl {
  const checked = checkUdpUrl(value, 'ephemeral');
  if (!checked.ok) throw new InvalidArgumentError(checked.malformed ? checked.problem : `${checked.problem}, found "${value}"`);
  return checked.value;
}

/** `tcp://HOST:PORT`; `zero`: whether port 0 means an ephemeral port (listening) or is refused (connecting). */
export function tcpUrlOption(zero: 'refuse' | 'ephemeral') {
  return (value: string): { host: string; port: number } => {
    const match = /^tcp:\/\/(\[[^\]]*\]|[^:/[\]\s]*):(\d+)$/.exec(value.trim());
    if (!match) throw new InvalidArgumentError(`expected tcp://HOST:PORT, found "${value}"`);
    const host = match[1].replace(/^\[|\]$/g, '');
    const problem = hostProblem(host) ?? portProblem(Number(match[2]), zero);
    if (problem) throw new InvalidArgumentError(`${problem}, found "${value}"`);
    return { host, port: Number(match[2]) };
  };
}

/** An address to bind: an IP address or a host name. */
export function hostOption(value: string): string {
  const problem = hostProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
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

/** An http:// or https:// URL (a server to talk to). */
export function httpUrlOption(value: string): string {
  const problem = httpUrlProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}
