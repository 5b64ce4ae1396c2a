import { constants } from 'node:os';

const NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, value]) => [value, name]));

/** `ECONNREFUSED` for 111 on Linux; null for 0 (no error); `errno N` when the number is unknown. */
export function errnoName(errno: number): string | null {
  if (errno === 0) return null;
  return NAMES.get(errno) ?? `errno ${errno}`;
}
