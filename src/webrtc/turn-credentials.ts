import { createHmac } from 'node:crypto';
import { AvcmError } from '../errors/index.js';
import type { Plan } from '../plan/types.js';

/** One ICE server entry in the shape WebRTC stacks take (`RTCIceServer`). */
export interface IceServer {
  urls: string;
  username?: string;
  credential?: string;
}

/**
 * Time-limited TURN credentials of the TURN REST API scheme (draft-uberti-behave-turn-rest; what
 * coturn's `use-auth-secret` checks). Called once per participant when its peer connection is
 * built. `ttlSeconds` is how long the credential stays valid; `nowMs` is epoch milliseconds
 * (injectable for tests). username = "<expiry unix seconds>:<user>",
 * credential = base64(HMAC-SHA1(secret, username)). The shared secret never leaves this process:
 * no static passwords are configured anywhere.
 */
export function turnCredentials(secret: string, ttlSeconds: number, user = 'avcm', nowMs: number = Date.now()): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/**
 * ICE servers for a plan's `turn:` section (empty when the plan has none), with fresh REST API
 * credentials. The secret is read from the environment variable the plan names (`turn.secretEnv`)
 * so it is never written into a scenario or plan file. Throws E_USAGE when that variable is unset.
 */
export function iceServersFor(turn: Plan['turn'], env: NodeJS.ProcessEnv, user = 'avcm', nowMs: number = Date.now()): IceServer[] {
  if (!turn) return [];
  const secret = env[turn.secretEnv];
  if (!secret) {
    throw new AvcmError('E_USAGE', `the scenario uses TURN but the environment variable ${turn.secretEnv} is not set`, {
      hint: `export ${turn.secretEnv}=<the TURN server's static-auth-secret> before the run`,
    });
  }
  const { username, credential } = turnCredentials(secret, turn.ttlSeconds, user, nowMs);
  return turn.urls.map((urls) => ({ urls, username, credential }));
}
