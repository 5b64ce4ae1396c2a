import { AvcmError } from '../errors/index.js';

/** What was being opened, for the message. */
export interface OpenAttempt {
  label: string;
  bindHost: string;
  bindPort: number;
  connect: { host: string; port: number } | null;
}

const BIND_HINTS: Record<string, string> = {
  EADDRINUSE: 'another run or program holds that port: pick a free port, or 0 for an ephemeral one (or set reusePort on every socket sharing it)',
  EACCES: 'ports below 1024 need root or CAP_NET_BIND_SERVICE: use a port of 1024 or above',
  EADDRNOTAVAIL: 'that address is not on this machine: bind 0.0.0.0 / :: or an address of a local interface',
  EAFNOSUPPORT: 'IPv6 is off on this machine (or the address family is wrong): use an IPv4 address',
};

/** Turns the addon's open error (code = errno name, syscall = where it failed) into E_NETWORK. */
export function openError(error: unknown, attempt: OpenAttempt): AvcmError {
  const code = (error as { code?: string }).code ?? 'UNKNOWN';
  const syscall = (error as { syscall?: string }).syscall ?? 'open';
  const local = `udp://${formatHost(attempt.bindHost)}:${attempt.bindPort}`;
  if (syscall === 'getaddrinfo') {
    return new AvcmError('E_NETWORK', `${attempt.label}: ${(error as Error).message.replace(/^getaddrinfo EINVAL /, '')} is not a numeric IP address`, {
      hint: 'give an IPv4 or IPv6 address (or localhost); names are not resolved here',
      cause: error,
    });
  }
  if (syscall === 'bind') {
    const what = code === 'EADDRINUSE' ? `UDP port ${attempt.bindPort} is already in use (${local})` : `cannot bind ${local}: ${code}`;
    return new AvcmError('E_NETWORK', `${attempt.label}: ${what}`, { hint: BIND_HINTS[code], cause: error });
  }
  if (syscall === 'connect' && attempt.connect) {
    const remote = `udp://${formatHost(attempt.connect.host)}:${attempt.connect.port}`;
    return new AvcmError('E_NETWORK', `${attempt.label}: cannot send from ${local} to ${remote}: ${code}`, {
      hint: code === 'EAFNOSUPPORT' || code === 'EINVAL' ? 'bind an address of the same family as the target (IPv4 with IPv4, IPv6 with IPv6)' : 'check that the target address is reachable from this machine',
      cause: error,
    });
  }
  return new AvcmError('E_NETWORK', `${attempt.label}: cannot open a UDP socket on ${local}: ${syscall} ${code}`, {
    hint: code === 'EMFILE' || code === 'ENFILE' ? 'too many open files: raise the limit (ulimit -n) or use fewer sockets per process' : undefined,
    cause: error,
  });
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
