import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AvcmError } from '../errors/index.js';
import type { UdpEndpoint } from './batched-udp-socket.js';

/**
 * The endpoint with its host as a numeric address, as the batched layer takes it (node:dgram
 * resolves names itself). Called once per endpoint before sockets open, never per packet. A name
 * resolves to an IPv4 address, as a dgram socket for a name is udp4. Throws E_NETWORK.
 */
export async function resolveEndpoint(endpoint: UdpEndpoint): Promise<UdpEndpoint> {
  if (isIP(endpoint.host) !== 0) return endpoint;
  if (endpoint.host === 'localhost') return { host: '127.0.0.1', port: endpoint.port };
  try {
    const { address } = await lookup(endpoint.host, { family: 4 });
    return { host: address, port: endpoint.port };
  } catch (error) {
    throw new AvcmError('E_NETWORK', `cannot resolve ${endpoint.host}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'check the host name (or give a numeric address)',
      cause: error,
    });
  }
}
