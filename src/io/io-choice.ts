import { AvcmError } from '../errors/index.js';
import type { BatchedUdp } from './batched-udp.js';
import { loadBatchedUdp } from './load-batched-udp.js';

/** How avcm moves plain UDP: the native batched layer (sendmmsg, GSO, recvmmsg) or node:dgram. */
export type IoPath = 'batched' | 'dgram';

/** What the user asked for: one path, or `auto` (batched when the addon loads, else dgram). */
export type IoRequest = IoPath | 'auto';

/** The path one process uses, decided once when it starts. */
export type IoChoice =
  | { path: 'batched'; udp: BatchedUdp }
  | {
      path: 'dgram';
      /** Why not batched when it was wanted (`auto`) but the addon did not load; null when dgram was asked for. */
      fallbackReason: string | null;
    };

const IO_VALUES = new Set<string>(['batched', 'dgram', 'auto']);

/**
 * The request from `--io` (wins) or the AVCM_IO variable; `auto` when neither is set. Called once
 * per command. Throws E_USAGE for an AVCM_IO value other than batched, dgram or auto.
 */
export function ioRequest(flag: IoRequest | undefined, env: NodeJS.ProcessEnv): IoRequest {
  if (flag !== undefined) return flag;
  const value = env.AVCM_IO?.trim();
  if (value === undefined || value === '') return 'auto';
  if (!IO_VALUES.has(value)) throw new AvcmError('E_USAGE', `AVCM_IO=${value}: expected batched, dgram or auto`, { hint: 'unset it to use batched I/O where the addon loads' });
  return value as IoRequest;
}

/**
 * Loads what `request` needs. `auto` falls back to dgram with the loader's reason; an explicit
 * `batched` that cannot load throws E_USAGE (asked for, so not silently replaced). `env` carries
 * AVCM_NATIVE_DISABLE (the fallback's test hook).
 */
export function chooseIo(request: IoRequest, env: NodeJS.ProcessEnv): IoChoice {
  if (request === 'dgram') return { path: 'dgram', fallbackReason: null };
  const load = loadBatchedUdp(env);
  if (load.available) return { path: 'batched', udp: load.udp };
  if (request === 'batched') {
    throw new AvcmError('E_USAGE', `--io batched: the batched UDP addon is not available here: ${load.reason}`, { hint: 'use --io dgram (or AVCM_IO=dgram), or build the addon with `npm run native:build`' });
  }
  return { path: 'dgram', fallbackReason: load.reason };
}

/** The one line a command prints when `auto` fell back to dgram; null otherwise. */
export function ioFallbackNotice(choice: IoChoice): string | null {
  if (choice.path !== 'dgram' || choice.fallbackReason === null) return null;
  return `avcm: batched UDP I/O unavailable (${choice.fallbackReason}); using node:dgram`;
}
