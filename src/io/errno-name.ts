import { constants } from 'node:os';

// Several names share a number (EAGAIN/EWOULDBLOCK, EDEADLK/EDEADLOCK): the first listed wins.
const NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) if (!NAMES.has(value)) NAMES.set(value, name);

/** `ECONNREFUSED` for 111 on Linux; null for 0 (no error); `errno N` when the number is unknown. */
export function errnoName(errno: number): string | null {
  if (errno === 0) return null;
  return NAMES.get(errno) ?? `errno ${errno}`;
}
