import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iceServersFor } from '../../src/webrtc/index.js';
import { expectedSeqs, roundTrip } from './webrtc-round-trip.js';

const TURNSERVER = '/usr/bin/turnserver';
const HAVE_COTURN = existsSync(TURNSERVER);
if (!HAVE_COTURN) console.warn(`skipping the WebRTC-through-TURN test: ${TURNSERVER} is missing (install coturn to run it)`);

/** A UDP port the OS just handed out (bound and released: good enough for one test on loopback). */
async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

describe.skipIf(!HAVE_COTURN)('WebRTC participants -> probe relayed through a real coturn (use-auth-secret)', () => {
  let dir = '';
  let logFile = '';
  let port = 0;
  let coturn: ChildProcess | null = null;
  const secret = randomBytes(16).toString('hex');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-webrtc-turn-'));
    logFile = path.join(dir, 'turn.log');
    port = await freeUdpPort();
    const minPort = 49_152 + Math.floor(Math.random() * 16_000);
    const conf = [
      'listening-ip=127.0.0.1',
      'relay-ip=127.0.0.1',
      `listening-port=${port}`,
      'use-auth-secret',
      `static-auth-secret=${secret}`,
      'realm=avcm.test',
      'no-tls',
      'no-dtls',
      'no-tcp',
      'no-rfc5780',
      'allow-loopback-peers',
      'no-cli',
      'fingerprint',
      `min-port=${minPort}`,
      `max-port=${minPort + 100}`,
      `log-file=${logFile}`,
      'simple-log',
      'verbose',
    ];
    await writeFile(path.join(dir, 'turnserver.conf'), conf.join('\n') + '\n');
    coturn = spawn(TURNSERVER, ['-c', path.join(dir, 'turnserver.conf'), '--pidfile', path.join(dir, 'turn.pid')], { stdio: 'ignore' });
    await waitFor('coturn to open its UDP listener', async () => (await readFile(logFile, 'utf8').catch(() => '')).includes(`127.0.0.1:${port}`), 10_000);
  }, 20_000);

  afterAll(async () => {
    if (coturn && coturn.exitCode === null) {
      const exited = new Promise((r) => coturn!.once('exit', r));
      coturn.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      if (coturn.exitCode === null) coturn.kill('SIGKILL');
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('relay-only participants: the media goes through coturn, zero loss, every field intact', async () => {
    const iceServers = iceServersFor({ urls: [`turn:127.0.0.1:${port}?transport=udp`], secretEnv: 'AVCM_TEST_TURN_SECRET', ttlSeconds: 600 }, { AVCM_TEST_TURN_SECRET: secret });
    const r = await roundTrip(2, 200, { iceServers, iceTransportPolicy: 'relay' });
    // relay policy: the offers carry relay candidates only, and the pair ICE chose is relayed
    for (const offer of r.offers) {
      expect(offer).toMatch(/ typ relay /);
      expect(offer).not.toMatch(/ typ host /);
    }
    expect(r.candidateTypes).toEqual(['relay', 'relay']);
    expect(r.sendErrors).toBe(0);
    expect(r.streams.size).toBe(4);
    for (let i = 0; i < 2; i++) {
      for (const ssrc of [0x10000000 + i * 2, 0x10000001 + i * 2]) {
        const s = r.streams.get(ssrc)!;
        expect([...s.participantIds]).toEqual([1001 + i]);
        expect(s.seqs).toEqual(expectedSeqs(65_500 + i, 100));
        expect(s.badPayloads + s.badTimestamps).toBe(0);
      }
    }
    const log = await readFile(logFile, 'utf8');
    // coturn accepted our REST API credentials and relayed: allocations and permissions succeeded
    expect(log).toMatch(/ALLOCATE processed, success/);
    expect(log).toMatch(/CREATE_PERMISSION processed, success|CHANNEL_BIND processed, success/);
  }, 60_000);

  it('a wrong secret is refused by coturn: gathering yields no relay candidate and connect fails in bounded time', async () => {
    const iceServers = iceServersFor({ urls: [`turn:127.0.0.1:${port}?transport=udp`], secretEnv: 'S', ttlSeconds: 600 }, { S: 'not-the-secret' });
    const started = Date.now();
    const refused = await roundTrip(1, 2, { iceServers, iceTransportPolicy: 'relay' }, 2_000).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: 'E_NETWORK', message: expect.stringMatching(/participant 1001: WebRTC did not connect within 2000 ms/) });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await readFile(logFile, 'utf8')).toMatch(/401|Unauthorized|check_stun_auth|cannot find credentials/i);
  }, 60_000);
});
