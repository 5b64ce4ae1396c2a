import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';

// A viewer's side of a real Janus VideoRoom: downlink chaos applied at the probe (the viewer's
// link) and simulcast layer switches requested through Janus. Janus started by
// scripts/janus-local.sh; publishers are werift participants; the probe subscribes through Janus.

const SCRIPT = new URL('../../scripts/janus-local.sh', import.meta.url).pathname;
const HTTP_PORT = String(18100 + Math.floor(Math.random() * 800));
let available = false;

beforeAll(() => {
  const started = spawnSync(SCRIPT, ['start', HTTP_PORT, '21500-21999'], { encoding: 'utf8', timeout: 120_000 });
  available = started.status === 0;
  if (!available) console.warn(`Janus viewer tests skipped: janus could not be started here: ${(started.stderr || started.stdout || '').trim()}`);
}, 180_000);
afterAll(() => {
  execFileSync(SCRIPT, ['stop', HTTP_PORT]);
});

async function gate(name: string, body: string): Promise<{ code: number; result: RunResult; output: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-janus-viewer-'));
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, `version: 1\nname: ${name}\nseed: 5\nsfu: { kind: janus-videoroom, url: "http://127.0.0.1:${HTTP_PORT}/janus" }\n${body}`);
  const run = await runCli(['test', file, '--out-dir', dir, '--partitions', '1'], { cwd: dir });
  const result = JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8')) as RunResult;
  return { code: run.code, result, output: run.stderr + run.stdout };
}

describe('a viewer behind Janus', () => {
  it('a 10% loss spike on the viewer\'s downlink: the wire loss is about 10%, Janus repairs it from its own buffer (the publishers see no NACKs), little is missing at playout', async (context) => {
    if (!available) context.skip();
    const { code, result, output } = await gate(
      'janus-downlink-loss',
      'duration: 14s\nhealth: { inconclusive: false }\nparticipants: { count: 2, transport: webrtc, base_port: 0, audio: false }\nspikes:\n  - { type: rtp_packet_loss, direction: downlink, at: 3s, duration: 8s, loss_percentage: 10 }\nassertions:\n  during_spikes:\n    packet_loss_percent: ["max < 5"]\n',
    );
    // The wire figure gate fails: the viewer's link did lose about 10 %.
    expect(code, output).toBe(1);
    const video = result.streams.filter((s) => s.media === 'video' && s.participantId !== null);
    expect(video, output).toHaveLength(2);
    for (const s of video) {
      const figures = JSON.stringify({ during: s.duringSpikes, baseline: s.baseline });
      expect(s.duringSpikes.packet_loss_percent!, figures).toBeGreaterThan(6);
      expect(s.duringSpikes.packet_loss_percent!, figures).toBeLessThan(14);
      expect(s.duringSpikes.residual_loss_percent!, figures).toBeLessThan(3);
      // Outside the spike the link was clean (a busy machine may lose a little on its own).
      expect(s.baseline.packet_loss_percent!, figures).toBeLessThan(2);
    }
    const feedback = result.totals.feedback!;
    expect(feedback.nacksSent).toBeGreaterThan(0);
    expect(feedback.retransmissionsReceived).toBeGreaterThan(0);
    // The loss was on Janus's side towards the viewer: the publishers' uplinks were clean.
    expect(feedback.senderNacksReceived).toBe(0);
    console.log(
      `Janus, 10% downlink loss on the viewer: wire ${video.map((s) => s.duringSpikes.packet_loss_percent).join(', ')}% during the spike, ` +
        `residual ${video.map((s) => s.duringSpikes.residual_loss_percent).join(', ')}%; the probe sent ${feedback.nacksSent} NACKs, Janus answered ${feedback.retransmissionsReceived} retransmissions; ` +
        `publishers got ${feedback.senderNacksReceived} NACKs; freezes ${video.map((s) => s.whole.freeze_count).join(', ')}`,
    );
  }, 120_000);

  it('3 simulcast publishers, the viewer switched from the top layer to the lowest and back: the probe sees each switch at the new layer\'s keyframe, layer_switch_ms measured', async (context) => {
    if (!available) context.skip();
    const { code, result, output } = await gate(
      'janus-layer-switch',
      'duration: 18s\nhealth: { inconclusive: false }\nmedia: { video: { simulcast: true } }\nparticipants: { count: 3, transport: webrtc, base_port: 0, audio: false }\nviewers: [{ name: alice, layer: h }]\nspikes:\n  - { type: layer_switch, layer: l, at: 6s, duration: 6s }\nassertions:\n  layer_switch_ms: ["max < 3000"]\n  during_spikes:\n    layer_switches: ["min >= 1"]\n',
    );
    expect(code, output).toBe(0);
    const video = result.streams.filter((s) => s.media === 'video' && s.participantId !== null);
    expect(video).toHaveLength(3);
    for (const s of video) {
      // Outside the spike mostly the top layer (2), during it mostly the lowest (0).
      expect(s.baseline.layer!).toBeGreaterThan(1.5);
      expect(s.duringSpikes.layer!).toBeLessThan(1);
      expect(s.duringSpikes.bitrate_kbps!).toBeLessThan(s.baseline.bitrate_kbps! / 2);
      expect(s.whole.layer_switch_ms!).toBeGreaterThan(0);
    }
    console.log(`Janus layer switch h -> l -> h: layer_switch_ms ${video.map((s) => s.whole.layer_switch_ms).join(', ')}; switches ${video.map((s) => s.whole.layer_switches).join(', ')}; freezes ${video.map((s) => s.whole.freeze_count).join(', ')}`);
  }, 150_000);

  it('a downlink bandwidth limit below the top layer\'s rate: what Janus does (reported; the probe\'s REMB follows the link)', async (context) => {
    if (!available) context.skip();
    const { result, output } = await gate(
      'janus-downlink-narrow',
      'duration: 18s\nhealth: { inconclusive: false }\nmedia: { video: { simulcast: true } }\nparticipants: { count: 1, transport: webrtc, base_port: 0, audio: false }\nviewers: [{ name: alice, layer: h }]\nspikes:\n  - { type: bandwidth_limit, direction: downlink, at: 5s, duration: 9s, bandwidth_kbps: 1500 }\n',
    );
    const [s] = result.streams.filter((x) => x.media === 'video' && x.participantId !== null);
    expect(s, output).toBeDefined();
    // The link carried at most its limit while the spike lasted, and lost what did not fit.
    expect(s.duringSpikes.bitrate_kbps!).toBeLessThan(1700);
    expect(s.duringSpikes.packet_loss_percent!).toBeGreaterThan(5);
    console.log(
      `Janus, viewer downlink 1500 kbit/s under a 2500 kbit/s top layer: during ${s.duringSpikes.bitrate_kbps} kbit/s, loss ${s.duringSpikes.packet_loss_percent}%, ` +
        `residual ${s.duringSpikes.residual_loss_percent}%, layer ${s.duringSpikes.layer} (2 = top), switches ${s.whole.layer_switches}, freezes ${s.whole.freeze_count} (${s.whole.freeze_ms} ms), decodable ${s.duringSpikes.decodable_fps} fps`,
    );
  }, 150_000);
});
