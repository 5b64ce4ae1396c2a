/**
 * Checks of the network addresses a user writes: hosts, UDP endpoints, HTTP(S) and TURN URLs.
 * Each returns the reason a value is wrong in words a user can act on, so validation can print
 * it at the value's location; parsers built on them return null on any problem.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** A host and a port, as targets, listen addresses and relays name them. */
export interface UdpUrl {
  host: string;
  port: number;
}

/** Result of a check: the parsed value, or why there is none (`malformed`: not even the right shape). */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string; malformed?: true };

const HOST_LABEL = /^[A-Za-z0-9-]+$/;
const MAX_HOST_NAME = 253;
const MAX_LABEL = 63;

/**
 * Why `host` is neither an IPv4 literal, an IPv6 literal (without brackets) nor a DNS host name
 * (RFC 1123 2.1: labels of letters, digits and '-', not starting or ending with '-'); null when
 * it is one. A name whose last label is all digits is taken as a mistyped IPv4 address (RFC 3696
 * 2: top-level labels are never all-numeric), so `999.1.1.1` is refused, not looked up.
 */
export function hostProblem(host: string): string | null {
  if (host.length === 0) return 'the host is empty';
  if (host.includes(':')) return isIPv6(host) ? null : `"${host}" is not an IPv6 address`;
  if (isIPv4(host)) return null;
  const labels = host.split('.');
  if (labels.every((label) => /^\d+$/.test(label))) return `"${host}" is not an IPv4 address (four numbers 0..255 separated by dots)`;
  if (host.length > MAX_HOST_NAME) return `the host name is ${host.length} characters long; at most ${MAX_HOST_NAME} are allowed`;
  for (const label of labels) {
    if (label.length === 0) return `"${host}" has an empty label (two dots in a row, or a dot at an end)`;
    if (!HOST_LABEL.test(label)) return `"${host}" is not a host name: labels hold letters, digits and '-' only`;
    if (label.startsWith('-') || label.endsWith('-')) return `"${host}" is not a host name: label "${label}" starts or ends with '-'`;
    if (label.length > MAX_LABEL) return `"${host}" is not a host name: label "${label.slice(0, 12)}..." is longer than ${MAX_LABEL} characters`;
  }
  if (/^\d+$/.test(labels[labels.length - 1])) return `"${host}" is neither an IPv4 address nor a host name (its last label is all digits)`;
  return null;
}

/** Whether port 0 is refused (a place to send to) or means "any free port" (a place to listen on). */
export type PortZero = 'refuse' | 'ephemeral';

/** Checks a port number: 1..65535, or 0..65535 where 0 asks the system for an ephemeral port. */
export function portProblem(port: number, zero: PortZero): string | null {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return zero === 'ephemeral' ? `port ${port} is out of range: ports are 0..65535 (0 = an ephemeral port)` : `port ${port} is out of range: ports are 1..65535`;
  }
  if (port === 0 && zero === 'refuse') return 'port 0 is no port to send to: give the port the receiver listens on (1..65535)';
  return null;
}

const UDP_URL = /^udp:\/\/(\[[^\]]*\]|[^:/[\]\s]*):(\d+)$/;

/**
 * Parses `udp://HOST:PORT` (HOST an IPv4 address, a host name, or an IPv6 address in brackets).
 * `zero`: whether port 0 means an ephemeral port (listen addresses) or is refused (targets).
 */
export function checkUdpUrl(value: string, zero: PortZero): Checked<UdpUrl> {
  const match = UDP_URL.exec(value.trim());
  if (!match) return { ok: false, problem: `expected udp://HOST:PORT, found "${value}"`, malformed: true };
  const bracketed = match[1].startsWith('[');
  const host = bracketed ? match[1].slice(1, -1) : match[1];
  if (bracketed && !host.includes(':')) return { ok: false, problem: `brackets are for IPv6 addresses; write ${host} without them` };
  const problem = hostProblem(host) ?? portProblem(Number(match[2]), zero);
  return problem ? { ok: false, problem } : { ok: true, value: { host, port: Number(match[2]) } };
}

/** Checks an HTTP(S) URL (SFU signaling, WHIP/WHEP): scheme, host, port; no credentials in it. */
export function httpUrlProblem(value: string): string | null {
  // The WHATWG parser forgives `http:///host` and `http:\\host`; a scenario should say what it means.
  if (!/^https?:\/\/[^/?#\\\s]/i.test(value)) return `expected http://HOST or https://HOST, found "${value}"`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL`;
  }
  if (url.username || url.password) return 'the URL carries credentials; put secrets in an environment variable (secret_env / token_env), not in the scenario';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return hostProblem(host);
}

const TURN_URL = /^(turns?):(\[[^\]]*\]|[^:?/[\]\s]*)(?::(\d+))?(\?transport=(udp|tcp))?$/;

/** Checks a TURN URL as RFC 7065 defines it: `turn[s]:HOST[:PORT][?transport=udp|tcp]`. */
export function turnUrlProblem(value: string): string | null {
  const match = TURN_URL.exec(value);
  if (!match) return `expected turn:HOST[:PORT][?transport=udp|tcp] (RFC 7065), found "${value}"`;
  const bracketed = match[2].startsWith('[');
  const host = bracketed ? match[2].slice(1, -1) : match[2];
  if (bracketed && !host.includes(':')) return `brackets are for IPv6 addresses; write ${host} without them`;
  return hostProblem(host) ?? (match[3] === undefined ? null : portProblem(Number(match[3]), 'refuse'));
}
