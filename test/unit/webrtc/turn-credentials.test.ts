import { describe, expect, it } from 'vitest';
import { AvcmError } from '../../../src/errors/index.js';
import { iceServersFor, turnCredentials } from '../../../src/webrtc/index.js';

// Vectors computed independently of this code with:
//   printf '1700003600:avcm' | openssl dgst -sha1 -hmac secret -binary | base64
//   printf '1700000060:alice' | openssl dgst -sha1 -hmac 'k3y!' -binary | base64
describe('TURN REST API credentials (draft-uberti-behave-turn-rest 2.2)', () => {
  it('username = "<expiry unix s>:<user>", credential = base64(HMAC-SHA1(secret, username))', () => {
    expect(turnCredentials('secret', 3600, 'avcm', 1_700_000_000_000)).toEqual({ username: '1700003600:avcm', credential: 'H4ty5YENY424LBSbZq668fXcBU8=' });
    expect(turnCredentials('k3y!', 60, 'alice', 1_700_000_000_999)).toEqual({ username: '1700000060:alice', credential: 'taTYgcWO7PlB7J+30w5B83tKF2w=' });
  });

  it('expiry is now + ttl, rounded down to whole seconds', () => {
    expect(turnCredentials('s', 10, 'u', 5_999).username).toBe('15:u');
  });

  it('defaults the user to avcm and the time to now', () => {
    const { username } = turnCredentials('s', 100);
    const [expiry, user] = username.split(':');
    expect(user).toBe('avcm');
    expect(Math.abs(Number(expiry) - (Math.floor(Date.now() / 1000) + 100))).toBeLessThanOrEqual(1);
  });
});

describe('iceServersFor', () => {
  const turn = { urls: ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp'], secretEnv: 'AVCM_TEST_TURN_SECRET', ttlSeconds: 3600 };

  it('no turn section: no ICE servers', () => {
    expect(iceServersFor(null, {})).toEqual([]);
  });

  it('one entry per URL, credentials from the secret in the named env var', () => {
    const servers = iceServersFor(turn, { AVCM_TEST_TURN_SECRET: 'secret' }, 'avcm', 1_700_000_000_000);
    expect(servers).toEqual(turn.urls.map((urls) => ({ urls, username: '1700003600:avcm', credential: 'H4ty5YENY424LBSbZq668fXcBU8=' })));
  });

  it('a missing secret is E_USAGE naming the variable, with a hint', () => {
    let error: unknown;
    try {
      iceServersFor(turn, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AvcmError);
    expect((error as AvcmError).code).toBe('E_USAGE');
    expect((error as AvcmError).message).toMatch(/AVCM_TEST_TURN_SECRET/);
    expect((error as AvcmError).hint).toMatch(/export AVCM_TEST_TURN_SECRET=/);
    expect(() => iceServersFor(turn, { AVCM_TEST_TURN_SECRET: '' })).toThrow(AvcmError);
  });
});
