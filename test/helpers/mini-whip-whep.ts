import http from 'node:http';
import { RTCPeerConnection, type MediaStreamTrack, type RTCRtpTransceiver } from 'werift';
import { avcmCodecs } from '../../src/webrtc/media-profile.js';

/**
 * A minimal WHIP/WHEP server written for this test (werift on the server side): WHIP publishers'
 * tracks are kept per participant, and a WHEP subscriber for that participant gets them forwarded.
 * It proves avcm can gate any standards-speaking server with no adapter code of its own.
 * `POST /restart` (or `restart()`) drops every session and publication, as a restarted server would.
 */
export class MiniWhipWhep {
  private readonly published = new Map<number, { video?: MediaStreamTrack; audio?: MediaStreamTrack }>();
  private peers: RTCPeerConnection[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  url = '';
  publishes = 0;
  subscribes = 0;
  restarts = 0;

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
    if (req.method === 'POST' && req.url === '/restart') {
      await this.restart();
      return void res.writeHead(200).end('restarted\n');
    }
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
      // Like a real server, nothing to subscribe to until the participant has published.
      const tracks = this.published.get(participant);
      if (!tracks) {
        this.peers = this.peers.filter((p) => p !== pc);
        await pc.close();
        return void res.writeHead(404).end(`participant ${participant} is not publishing`);
      }
      this.subscribes++;
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
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

  /** What a restart does to a server's state: every session closed, every publication forgotten (the HTTP endpoint stays). */
  async restart(): Promise<void> {
    this.restarts++;
    const peers = this.peers;
    this.peers = [];
    this.published.clear();
    await Promise.all(peers.map((pc) => pc.close().catch(() => undefined)));
  }

  async close(): Promise<void> {
    await Promise.all(this.peers.map((pc) => pc.close().catch(() => undefined)));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

