import { AvcmError } from '../errors/index.js';
import type { Endpoint } from '../plan/types.js';

/** The probe could not bind `listen` (both socket kinds say it the same way). `code` is the errno name. */
export function listenError(listen: Endpoint, code: string | undefined, cause: unknown): AvcmError {
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return new AvcmError('E_NETWORK', `the probe cannot listen on udp://${host}:${listen.port}: ${code ?? (cause as Error).message}`, {
    hint: code === 'EADDRINUSE' ? 'another program (or run) uses that port; pick another probe.listen / target port' : undefined,
    cause,
  });
}
