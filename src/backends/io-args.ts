import type { IoRequest } from '../io/index.js';

/**
 * The `avcm agent` / `avcm receive` arguments for the chosen UDP I/O: `--io PATH` when a path was
 * chosen, nothing for `auto` (the process decides where it runs and reports what it used).
 * Shared by every backend that builds those command lines.
 */
export function ioArgs(io: IoRequest | undefined): string[] {
  return io === 'batched' || io === 'dgram' ? ['--io', io] : [];
}
