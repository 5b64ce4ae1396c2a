import { createHmac } from 'node:crypto';
import { AvcmError } from '../errors/index.js';
import type { Plan } from '../plan/types.js';

/**
 * Time-limited TURN credentials of the TURN REST API scheme (what coturn's `use-auth-secret`
 * checks): username = "<expiry unix seconds>:<user>", password = base64(HMAC-SHA1(secret, username)).
 * No static passwords: the shared secret stays on the server and in the run's environment.
 */
export function turnCredentials(secret: string, ttlSeconds: number, user = 'avcm', nowMs = Date.now()): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

export interface IceServer {
  urls: string;
  username?: string;
  credential?: string;
}

/** ICE servers for a plan's `turn:` section, the secret read from the environment variable it names. */
export function iceServersFor(turn: Plan['turn'], env: NodeJS.ProcessEnv, user = 'avcm'): IceServer[] {
  if (!turn) return [];
  const secret = env[turn.secretEnv];
  if (!secret) {
    throw new AvcmError('E_USAGE', `the scenario uses TURN but ${turn.secretEnv} is not set`, { hint: `export ${turn.secretEnv}=<the TURN server's static-auth-secret>` });
  }
  const { username, credential } = turnCredentials(secret, turn.ttlSeconds, user);
  return turn.urls.map((urls) => ({ urls, username, credential }));
}
