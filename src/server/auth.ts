import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks an `Authorization` header against the server's token, in constant time: both sides are
 * hashed to the same length first, so neither the comparison time nor a length mismatch tells an
 * attacker anything about the token. The scheme is case-insensitive (RFC 7235); an empty token
 * never matches. Called once per request.
 */
export function tokenMatches(expected: string, authorization: string | undefined): boolean {
  const match = /^bearer +(.+)$/i.exec(authorization ?? '');
  const presented = match ? match[1]!.trim() : '';
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b) && presented.length > 0 && expected.length > 0;
}

/** Loopback addresses: binding anything else requires a token. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}
