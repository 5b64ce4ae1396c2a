import http from 'node:http';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RTCPeerConnection, type MediaStreamTrack, type RTCRtpTransceiver } from 'werift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avcmCodecs } from '../../src/webrtc/media-profile.js';
import type { RunResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';

/**
 * A minimal WHIP/WHEP server written for this test (werift on the server side): WHIP publishers'
 * tracks are kept per participant, and a WHEP subscriber for that participant gets them forwarded.
 * It proves avcm can gate any standards-speaking server with no adapter code of its own.
 */
class MiniWhipWhep {
  private readonly published = new Map<number, { video?: MediaStreamTrack; audio?: MediaStreamTrack }>();
  private readonly peers: RTCPeerConnection[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  url = '';
  publishes = 0;
  subscribes = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  private peer(): RTCPeerConnection {
    const pc = new RTCPeerConnection({ codecs: avcmCodecs(96, 111) } as ConstructorParameters<typeof RTCPeerConnection>[0]);
    this.peers.push(pc);
    return pc;
  }

  private async gathered(pc: RTCPeerConnection): Promise<string> {
    if (pc.iceGatheringState !== 'complete') await new Promise<void>((resolve) => pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve()));
    return pc.localDescription!.sdp;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const match = /^\/(whip|whep)\/(\d+)$/.exec(req.url ?? '');
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    if (req.method !== 'POST' || !match || req.headers['content-type'] !== 'application/sdp') return void res.writeHead(400).end('expected POST application/sdp to /whip/:id or /whep/:id');
    let offer = '';
    for await (const chunk of req) offer += chunk;
    const participant = Number(match[2]);
    const pc = this.peer();
    if (match[1] === 'whip') {
      this.publishes++;
      const tracks = this.published.get(participant) ?? {};
      this.published.set(participant, tracks);
      pc.onTrack.subscribe((track) => (tracks[track.kind as 'video' | 'audio'] = track));
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    } else {
      this.subscribes++;
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
      const tracks = this.published.get(participant);
      for (const transceiver of pc.getTransceivers() as RTCRtpTransceiver[]) {
        transceiver.setDirection('sendonly');
        const source = tracks?.[transceiver.kind as 'video' | 'audio'];
        source?.onReceiveRtp.subscribe((rtp) => void transceiver.sender.sendRtp(rtp.clone()).catch(() => undefined));
      }
    }
    await pc.setLocalDescription(await pc.createAnswer());
    const answer = await this.gathered(pc);
    res.writeHead(201, { 'content-type': 'application/sdp', location: `/${match[1]}/${participant}/session` }).end(answer);
  }

  async close(): Promise<void> {
    await Promise.all(this.peers.map((pc) => pc.close().catch(() => undefined)));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let server: MiniWhipWhep;
beforeAll(async () => {
  server = new MiniWhipWhep();
  await server.start();
});
afterAll(async () => server.close());

describe('sfu: whip (RFC 9725 WHIP publish, WHEP subscribe)', () => {
  it('publishes every participant with WHIP and measures what comes back over WHEP', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-whip-'));
    const file = path.join(dir, 'whip.yaml');
    await writeFile(
      file,
      `version: 1\nname: whip-gate\nduration: 6s\nparticipants: { count: 2, transport: webrtc, base_port: 0 }\nsfu: { kind: whip, whip_url: "${server.url}/whip/{participant}", whep_url: "${server.url}/whep/{participant}" }\nassertions:\n  packet_loss_percent: ["max < 2"]\n  frame_rate_fps: ["avg > 25"]\n`,
    );
    const run = await runCli(['test', file, '--out-dir', dir, '--partitions', '1'], { cwd: dir });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(server.publishes).toBe(2);
    expect(server.subscribes).toBe(2);
    const result = JSON.parse(await readFile(path.join(dir, 'whip-gate.json'), 'utf8')) as RunResult;
    expect(result.streams.map((s) => `${s.participantId}/${s.media}`).sort()).toEqual(['1001/audio', '1001/video', '1002/audio', '1002/video']);
  }, 90_000);
});
