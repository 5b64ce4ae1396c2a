import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';

/**
 * `avcm test` with simulcast publishers against the built-in probe, on plain UDP and over WebRTC
 * (werift, DTLS-SRTP, the offer with a=rid / a=simulcast): what the probe measured per layer.
 */
async function run(name: string, participants: string, spikes = ''): Promise<RunResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-simulcast-'));
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, `version: 1\nname: ${name}\nseed: 9\nduration: 5s\nmedia: { video: { simulcast: true } }\nparticipants: ${participants}\n${spikes}`);
  const cli = await runCli(['test', file, '--out-dir', dir, '--partitions', '1'], { cwd: dir });
  expect(cli.code, cli.stderr + cli.stdout).toBe(0);
  return JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8')) as RunResult;
}

/**
 * Each participant's three video streams: RIDs h, m, l, each with the sender figures of its own
 * SSRC, at the rates of their layers as the probe measured them. `absolute`: the rates near the
 * shipped layers' 2500, 600 and 150 kbit/s; otherwise only their ratios (about 4 : 1 each), which
 * loss on a machine too busy for the path (it hits every layer alike) leaves as they are.
 */
function checkLayers(r: RunResult, participants: number[], options: { absolute: boolean }): void {
  for (const id of participants) {
    const video = r.streams.filter((s) => s.participantId === id && s.media === 'video');
    const seen = r.streams.map((s) => `${s.participantId}/${s.media}/${s.rid ?? '-'}: ${s.received} received`).join(', ');
    expect(video.map((s) => s.rid).sort(), `participant ${id} among ${seen}`).toEqual(['h', 'l', 'm']);
    expect(new Set(video.map((s) => s.ssrc)).size).toBe(3);
    const kbps = Object.fromEntries(video.map((s) => [s.rid, s.whole.bitrate_kbps!]));
    expect(kbps.h / kbps.m, JSON.stringify(kbps)).toBeGreaterThan(2.5);
    expect(kbps.h / kbps.m, JSON.stringify(kbps)).toBeLessThan(7);
    expect(kbps.m / kbps.l, JSON.stringify(kbps)).toBeGreaterThan(2.5);
    expect(kbps.m / kbps.l, JSON.stringify(kbps)).toBeLessThan(7);
    if (options.absolute) {
      expect(kbps.h).toBeGreaterThan(1800);
      expect(kbps.h).toBeLessThan(3200);
      expect(kbps.m).toBeGreaterThan(400);
      expect(kbps.m).toBeLessThan(900);
      expect(kbps.l).toBeGreaterThan(90);
      expect(kbps.l).toBeLessThan(260);
    }
    for (const s of video) {
      if (options.absolute) expect(s.whole.frame_rate_fps!, `layer ${s.rid}`).toBeGreaterThan(20);
      // The figures of this layer's own sender session; with a path that loses nothing, the probe's
      // receiver reports answered its own sender reports: an RTT per layer SSRC.
      expect(s.sender, `layer ${s.rid}`).not.toBeNull();
      if (options.absolute) expect(s.sender!.rttMs, `layer ${s.rid}`).not.toBeNull();
    }
  }
}

describe('simulcast publishers measured by the built-in probe', () => {
  it('plain UDP: three streams per participant, named by their RID, each at its layer rate; a loss spike hits every layer', async () => {
    const r = await run('simulcast-udp', '{ count: 2, base_port: 0 }', 'spikes:\n  - { type: rtp_packet_loss, at: 1s, duration: 3s, loss_percentage: 20, participants: [1002] }\n');
    expect(r.streams.filter((s) => s.participantId !== null)).toHaveLength(2 * 4);
    checkLayers(r, [1001, 1002], { absolute: true });
    for (const s of r.streams.filter((x) => x.media === 'video')) {
      if (s.participantId === 1001) expect(s.whole.packet_loss_percent!).toBe(0);
      else expect(s.duringSpikes.packet_loss_percent!, `layer ${s.rid}`).toBeGreaterThan(8);
    }
  }, 120_000);

  it('WebRTC (a=rid, a=simulcast): the probe receives every layer as its own stream', async () => {
    const r = await run('simulcast-webrtc', '{ count: 2, transport: webrtc, base_port: 0 }');
    expect(r.transport).toBe('webrtc');
    // werift's send path costs CPU per packet: on a machine busy with other work loopback loses
    // some (a quarter and more at a load of 10 on 2 cores, with or without simulcast), never a layer.
    checkLayers(r, [1001, 1002], { absolute: false });
    expect(r.totals.packetsReceived).toBeGreaterThan(r.totals.packetsSent! * 0.3);
  }, 120_000);
});
