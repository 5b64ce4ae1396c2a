import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebRtcTransport } from '../../src/engine/transport-webrtc.js';
import { iceServersFor, turnCredentials, type IceServer } from '../../src/engine/turn-credentials.js';
import { ProbeReceiver } from '../../src/probe/index.js';
import { WebRtcProbeSession } from '../../src/probe/receiver-webrtc.js';
import { RtpHeaderWriter } from '../../src/rtp/index.js';

const EXT = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2 };

describe('TURN REST API credentials', () => {
  it('username = expiry:user, password = base64(HMAC-SHA1(secret, username))', () => {
    // HMAC-SHA1("secret", "1700003600:avcm") computed independently with: printf '1700003600:avcm' | openssl dgst -sha1 -hmac secret -binary | base64
    expect(turnCredentials('secret', 3600, 'avcm', 1_700_000_000_000)).toEqual({ username: '1700003600:avcm', credential: 'H4ty5YENY424LBSbZq668fXcBU8=' });
    expect(() => iceServersFor({ urls: ['turn:127.0.0.1:3478'], secretEnv: 'NOPE_SECRET', ttlSeconds: 60 }, {})).toThrow(/NOPE_SECRET is not set/);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** N participants -> the WebRTC probe on loopback; every packet must arrive with its participant id. */
async function roundTrip(count: number, iceServers: IceServer[], policy: 'all' | 'relay'): Promise<{ received: number; lost: number; ids: number[]; relayed: number }> {
  const probe = ProbeReceiver.detached({ videoPayloadType: 96, audioPayloadType: 111, extensions: EXT });
  probe.start(Date.now());
  const session = new WebRtcProbeSession(probe, { videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, iceServers, loopbackOnly: true });
  const participants = Array.from({ length: count }, (_, i) => 1001 + i);
  const transports = participants.map((id) => new WebRtcTransport({ participantId: id, video: { payloadType: 96 }, audio: { payloadType: 111 }, extensions: EXT, iceServers, iceTransportPolicy: policy, loopbackOnly: true }));
  try {
    await Promise.all(
      transports.map(async (t, i) => {
        const offer = await t.createOffer();
        await t.acceptAnswer(await session.answer(participants[i], offer));
        await t.connected();
      }),
    );
    const relayed = transports.filter((t) => t.selectedCandidateType() === 'relay').length;
    for (let seq = 0; seq < 200; seq++) {
      transports.forEach((t, i) => {
        const w = new RtpHeaderWriter({ payloadType: seq % 2 ? 111 : 96, ssrc: 1, participantId: participants[i], extensions: EXT });
        const n = seq >> 1; // each medium has its own sequence: 0, 1, 2, ...
        w.stamp(n, n * 960, true, 0);
        t.send(w.buffer, Buffer.alloc(200, seq & 0xff));
      });
      await new Promise((r) => setTimeout(r, 2));
    }
    const deadline = Date.now() + 5_000;
    while (probe.packetsReceived < 200 * count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const report = probe.report();
    return {
      received: report.streams.reduce((s, x) => s + x.totals.received, 0),
      lost: report.streams.reduce((s, x) => s + x.totals.lost, 0),
      ids: [...new Set(report.streams.map((s) => s.participantId!))].sort(),
      relayed,
    };
  } finally {
    await Promise.all(transports.map((t) => t.close()));
    await session.close();
  }
}

describe('WebRTC participants -> WebRTC probe (werift, DTLS-SRTP)', () => {
  it('directly on loopback: zero loss, every packet attributed', async () => {
    const r = await roundTrip(3, [], 'all');
    expect(r).toMatchObject({ received: 600, lost: 0, ids: [1001, 1002, 1003] });
  }, 60_000);

  it.skipIf(!existsSync('/usr/bin/turnserver'))('relayed through a real coturn with use-auth-secret (skipped when coturn is not installed)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-turn-'));
    const port = await freePort();
    const secret = randomBytes(16).toString('hex');
    const minPort = 40000 + Math.floor(Math.random() * 20000);
    await writeFile(
      path.join(dir, 'turnserver.conf'),
      [`listening-ip=127.0.0.1`, `relay-ip=127.0.0.1`, `listening-port=${port}`, 'use-auth-secret', `static-auth-secret=${secret}`, 'realm=avcm.test', 'no-tls', 'no-dtls', 'allow-loopback-peers', 'no-cli', 'fingerprint', `min-port=${minPort}`, `max-port=${minPort + 200}`, `log-file=${path.join(dir, 'turn.log')}`, 'simple-log', 'verbose', 'no-multicast-peers'].join('\n'),
    );
    const coturn: ChildProcess = spawn('/usr/bin/turnserver', ['-c', path.join(dir, 'turnserver.conf')], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 800));
      const env = { AVCM_TURN_SECRET: secret };
      const iceServers = iceServersFor({ urls: [`turn:127.0.0.1:${port}?transport=udp`], secretEnv: 'AVCM_TURN_SECRET', ttlSeconds: 600 }, env);
      const r = await roundTrip(2, iceServers, 'relay');
      expect(r).toMatchObject({ received: 400, lost: 0, ids: [1001, 1002], relayed: 2 });
      const log = await readFile(path.join(dir, 'turn.log'), 'utf8');
      expect(log).toMatch(/ALLOCATE/);
    } finally {
      coturn.kill('SIGTERM');
    }
  }, 60_000);
});
