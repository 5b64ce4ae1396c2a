import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult, StreamResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';

// Two viewers behind a real Janus VideoRoom: each has its own subscriptions (own subscriber
// handles, own layer choice), its own downlink applied at the probe and its own feedback and
// figures. What one viewer suffers (a layer switch, a narrow link) must show in its figures only.
// Janus started by scripts/janus-local.sh; publishers are werift participants.

const SCRIPT = new URL('../../scripts/janus-local.sh', import.meta.url).pathname;
const HTTP_PORT = String(18900 + Math.floor(Math.random() * 800));
let available = false;

beforeAll(() => {
  const started = spawnSync(SCRIPT, ['start', HTTP_PORT, '22000-22999'], { encoding: 'utf8', timeout: 120_000 });
  available = started.status === 0;
  if (!available) console.warn(`Janus two-viewer tests skipped: janus could not be started here: ${(started.stderr || started.stdout || '').trim()}`);
}, 180_000);
afterAll(() => {
  execFileSync(SCRIPT, ['stop', HTTP_PORT]);
});

async function gate(name: string, body: string): Promise<{ code: number; result: RunResult; output: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-janus-two-viewers-'));
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, `version: 1\nname: ${name}\nseed: 7\nsfu: { kind: janus-videoroom, url: "http://127.0.0.1:${HTTP_PORT}/janus" }\n${body}`);
  const run = await runCli(['test', file, '--out-dir', dir, '--partitions', '1'], { cwd: dir });
  const result = JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8')) as RunResult;
  return { code: run.code, result, output: run.stderr + run.stdout };
}

function videoOf(result: RunResult, viewer: string): StreamResult[] {
  return result.streams.filter((s) => s.media === 'video' && s.participantId !== null && s.viewer === viewer);
}

const SIMULCAST = 'health: { inconclusive: false }\nmedia: { video: { simulcast: true } }\nviewers: [{ name: alice, layer: h }, { name: bob, layer: h }]\n';

describe('two viewers behind Janus', () => {
  it('3 simulcast publishers: alice switched from h to l mid-run gets decodable low-layer frames within layer_switch_ms, bob stays on h unaffected', async (context) => {
    if (!available) context.skip();
    const { code, result, output } = await gate(
      'janus-two-viewers-switch',
      `duration: 18s\n${SIMULCAST}participants: { count: 3, transport: webrtc, base_port: 0, audio: false }\nspikes:\n  - { type: layer_switch, viewers: [alice], layer: l, at: 6s, duration: 6s }\nassertions:\n  layer_switch_ms: ["max < 3000"]\n  viewers:\n    bob: { layer: ["min > 1.5"], layer_switches: ["max == 0"] }\n  during_spikes:\n    layer_switches: ["min >= 1"]\n    viewers:\n      alice: { layer: ["max < 1"] }\n`,
    );
    expect(code, output).toBe(0);
    const alice = videoOf(result, 'alice');
    const bob = videoOf(result, 'bob');
    expect(alice, output).toHaveLength(3);
    expect(bob, output).toHaveLength(3);
    for (const s of alice) {
      const figures = JSON.stringify({ whole: s.whole, during: s.duringSpikes, l: s.layers?.l?.duringSpikes });
      // Mostly the top layer (2) outside the spike, mostly the lowest (0) during it, and decodable there.
      expect(s.baseline.layer!, figures).toBeGreaterThan(1.5);
      expect(s.duringSpikes.layer!, figures).toBeLessThan(1);
      expect(s.whole.layer_switch_ms!, figures).toBeGreaterThan(0);
      expect(s.layers!.l.duringSpikes.decodable_fps!, figures).toBeGreaterThan(10);
    }
    for (const s of bob) {
      const figures = JSON.stringify({ whole: s.whole, during: s.duringSpikes });
      // Nothing targeted bob: his copy has no spike windows, no switch requests, the top layer throughout.
      expect(s.whole.layer!, figures).toBeGreaterThan(1.5);
      expect(s.whole.layer_switch_ms, figures).toBeNull();
      expect(s.duringSpikes.bitrate_kbps, figures).toBeNull();
      expect(s.whole.bitrate_kbps!, figures).toBeGreaterThan(1500);
    }
    // The gate is the worst viewer's, and says which.
    expect(result.assertions.find((a) => a.metric === 'layer_switch_ms')!.message).toMatch(/^viewer alice \(worst of 2 viewers; bob nothing measured\)/);
    // The viewers: blocks judged each viewer alone, over that viewer's three streams: bob stayed on h without a switch, alice was on l in her spike windows.
    const named = (name: string) => result.assertions.find((a) => a.name === name);
    expect(named('viewer bob layer min > 1.5'), output).toMatchObject({ viewer: 'bob', passed: true, samples: 3, measured: Math.min(...bob.map((s) => s.whole.layer!)) });
    expect(named('viewer bob layer_switches max == 0'), output).toMatchObject({ viewer: 'bob', passed: true, samples: 3, measured: 0 });
    expect(named('during_spikes viewer alice layer max < 1'), output).toMatchObject({ viewer: 'alice', passed: true, samples: 3, measured: Math.max(...alice.map((s) => s.duringSpikes.layer!)) });
    console.log(
      `Janus, two viewers, alice h -> l -> h (3 publishers): layer_switch_ms ${alice.map((s) => s.whole.layer_switch_ms).join(', ')}; ` +
        `alice decodable l fps during the switch ${alice.map((s) => s.layers!.l.duringSpikes.decodable_fps).join(', ')}, layer during ${alice.map((s) => s.duringSpikes.layer).join(', ')}; ` +
        `bob layer ${bob.map((s) => s.whole.layer).join(', ')}, ${bob.map((s) => s.whole.bitrate_kbps).join(', ')} kbit/s, switches ${bob.map((s) => s.whole.layer_switches).join(', ')}, freezes ${bob.map((s) => s.whole.freeze_count).join(', ')}; ` +
        `viewer gates: ${result.assertions.filter((a) => a.viewer !== undefined).map((a) => `${a.name} ${a.passed ? 'passed' : 'FAILED'} at ${a.measured}`).join('; ')}`,
    );
  }, 180_000);

  it("a downlink bandwidth limit below the top layer's rate on bob only: bob's figures show it, alice's do not", async (context) => {
    if (!available) context.skip();
    // The same gates on each viewer alone: alice's clean link meets them, bob's narrow one fails his in the windows of his spike.
    const { code, result, output } = await gate(
      'janus-two-viewers-narrow',
      `duration: 18s\n${SIMULCAST}participants: { count: 1, transport: webrtc, base_port: 0, audio: false }\nspikes:\n  - { type: bandwidth_limit, direction: downlink, viewers: [bob], at: 5s, duration: 9s, bandwidth_kbps: 1500 }\n` +
        `assertions:\n  viewers:\n    alice: { packet_loss_percent: ["max < 3"], bitrate_kbps: ["min > 1800"] }\n  during_spikes:\n    viewers:\n      bob: { packet_loss_percent: ["max < 5"] }\n`,
    );
    const [alice] = videoOf(result, 'alice');
    const [bob] = videoOf(result, 'bob');
    expect(alice, output).toBeDefined();
    expect(bob, output).toBeDefined();
    const figures = JSON.stringify({ alice: { whole: alice.whole, during: alice.duringSpikes }, bob: { whole: bob.whole, during: bob.duringSpikes } });
    // Bob's link carried at most its limit while the spike lasted, and lost what did not fit.
    expect(bob.duringSpikes.bitrate_kbps!, figures).toBeLessThan(1700);
    expect(bob.duringSpikes.packet_loss_percent!, figures).toBeGreaterThan(5);
    // Alice's link was untouched: no spike windows, the top layer's rate, (almost) no loss.
    expect(alice.duringSpikes.packet_loss_percent, figures).toBeNull();
    expect(alice.whole.bitrate_kbps!, figures).toBeGreaterThan(1800);
    expect(alice.whole.packet_loss_percent!, figures).toBeLessThan(3);
    expect(alice.whole.residual_loss_percent!, figures).toBeLessThan(bob.whole.residual_loss_percent!);
    // The viewers: blocks as measured: alice's passed on her stream alone, bob's failed on his, and only bob's; the run failed (exit 1).
    const named = (name: string) => result.assertions.find((a) => a.name === name);
    expect(named('viewer alice packet_loss_percent max < 3'), output).toMatchObject({ viewer: 'alice', passed: true, samples: 1, measured: alice.whole.packet_loss_percent });
    expect(named('viewer alice bitrate_kbps min > 1800'), output).toMatchObject({ viewer: 'alice', passed: true, samples: 1, measured: alice.whole.bitrate_kbps });
    const bobGate = named('during_spikes viewer bob packet_loss_percent max < 5');
    expect(bobGate, output).toMatchObject({ viewer: 'bob', passed: false, samples: 1, measured: bob.duringSpikes.packet_loss_percent });
    expect(bobGate!.worst.map((w) => w.viewer), output).toEqual(['bob']);
    expect(result.assertions.filter((a) => !a.passed).map((a) => a.name), output).toEqual(['during_spikes viewer bob packet_loss_percent max < 5']);
    expect(result.status, output).toBe('failed');
    expect(code, output).toBe(1);
    console.log(
      `Janus, two viewers, bob's downlink 1500 kbit/s under a 2500 kbit/s top layer: bob during ${bob.duringSpikes.bitrate_kbps} kbit/s, loss ${bob.duringSpikes.packet_loss_percent}%, ` +
        `residual ${bob.duringSpikes.residual_loss_percent}%, layer ${bob.duringSpikes.layer}, freezes ${bob.whole.freeze_count} (${bob.whole.freeze_ms} ms), NACKs ${bob.whole.nack_count}; ` +
        `alice whole ${alice.whole.bitrate_kbps} kbit/s, loss ${alice.whole.packet_loss_percent}%, residual ${alice.whole.residual_loss_percent}%, layer ${alice.whole.layer}, freezes ${alice.whole.freeze_count}, NACKs ${alice.whole.nack_count}; ` +
        `viewer gates: ${result.assertions.map((a) => `${a.name} ${a.passed ? 'passed' : 'FAILED'} at ${a.measured}`).join('; ')}`,
    );
  }, 180_000);
});
