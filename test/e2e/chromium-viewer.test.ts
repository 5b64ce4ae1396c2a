import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult, StreamResult } from '../../src/result/types.js';
import { createRoom, destroyRoom, JanusSession } from '../../src/sfu/index.js';
import { chromiumMissing, launchChromium, longestDecodeStallMs, perWindow, subscribeChromiumViewer, type ChromiumBrowser, type ChromiumViewer, type ViewerSample } from '../helpers/chromium-viewer/index.js';
import { runCli } from '../helpers/cli.js';

// A real browser as the oracle of what a viewer sees through Janus: avcm publishes WebRTC
// participants into a Janus VideoRoom, headless Chromium subscribes to each feed next to avcm's own
// probe, and Chromium's getStats() (render-side freezes, NACKs and PLIs it sent, packets lost) is
// held against avcm's viewer-side figures for the same feed. Two runs with the same 10 % loss spike
// on one publisher: open loop (the publishers answer no RTCP) and with the feedback loop (NACK ->
// RTX, PLI -> keyframe), where the freezes must shrink to what recovery cannot save.

const SCRIPT = new URL('../../scripts/janus-local.sh', import.meta.url).pathname;
const FPS = 30;
const CLEAN = 1001;
const LOSSY = 1002;
const SPIKE_AT_S = 7;
const SPIKE_S = 8;
const LOSS_PERCENT = 10;
const RUN_S = 18;
/** Decoding start-up the steady-state freeze check leaves out. */
const WARMUP_MS = 3_000;

let httpPort = 0;
let janusUrl = '';
let browser: ChromiumBrowser | null = null;
let skipReason = '';

/** A port nothing listens on now (the Janus script takes a number, not 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  skipReason = chromiumMissing() ?? '';
  if (skipReason) return void console.warn(`Chromium viewer tests skipped: ${skipReason}`);
  httpPort = await freePort();
  janusUrl = `http://127.0.0.1:${httpPort}/janus`;
  const started = spawnSync(SCRIPT, ['start', String(httpPort), '21500-21999'], { encoding: 'utf8', timeout: 120_000 });
  if (started.status !== 0) {
    skipReason = `janus is missing and could not be installed or started here: ${(started.stderr || started.stdout || '').trim()}`;
    return void console.warn(`Chromium viewer tests skipped: ${skipReason}`);
  }
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (httpPort) execFileSync(SCRIPT, ['stop', String(httpPort)]);
});

/** Frames decoded per second over the windows between the first and the last decoded frame. */
function decodedFps(timeline: readonly ViewerSample[]): { fps: number; seconds: number } {
  const active = perWindow(timeline).filter((w) => (w.video?.framesDecoded ?? 0) > 0);
  const frames = active.reduce((sum, w) => sum + w.video!.framesDecoded, 0);
  const seconds = active.length === 0 ? 0 : (active[active.length - 1].toMs - active[0].fromMs) / 1000;
  return { fps: seconds > 0 ? frames / seconds : 0, seconds };
}

/**
 * Seconds Chromium spent frozen after the first `warmupMs` of decoding: a subscription's first
 * seconds (decoder start, jitter buffer settling) can freeze on a starved machine, the steady
 * state not for long. Durations, not counts: a Chromium starved by a busy machine (a CPU hog on
 * one core) counts short freezes of its own rendering on a clean feed (4 of about 0.3 s each,
 * seen), while a feed the network broke freezes for seconds.
 */
function steadyFreezeSeconds(timeline: readonly ViewerSample[], warmupMs: number): number {
  const windows = perWindow(timeline);
  const first = windows.find((w) => (w.video?.framesDecoded ?? 0) > 0);
  if (!first) return 0;
  return windows.filter((w) => w.fromMs >= first.fromMs + warmupMs).reduce((sum, w) => sum + (w.video?.totalFreezesDuration ?? 0), 0);
}

/** What one run gave: Chromium's final reading and timeline per feed, and avcm's result. */
interface ViewedRun {
  name: string;
  chromium: Map<number, { final: ViewerSample; timeline: readonly ViewerSample[] }>;
  result: RunResult;
}

const avcmVideo = (run: ViewedRun, feed: number): StreamResult => run.result.streams.find((s) => s.participantId === feed && s.media === 'video')!;

/** Publishes two participants (one clean, one with a loss spike) through Janus, with a Chromium viewer on each feed. */
async function viewRun(name: string, chromium: ChromiumBrowser, rtcp: string): Promise<ViewedRun> {
  // The test makes the room itself, so it knows the id the run publishes into.
  const janus = await JanusSession.create(janusUrl);
  const room = await createRoom(janus, 2);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-chromium-viewer-'));
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(
    file,
    [
      'version: 1',
      `name: ${name}`,
      'seed: 11',
      `duration: ${RUN_S}s`,
      `participants: { count: 2, transport: webrtc, base_port: 0, rtcp: ${rtcp} }`,
      // 360p keeps the software decoders and the run light on a busy two-core machine.
      `media: { video: { fps: ${FPS}, width: 640, height: 360, bitrate: 800kbps } }`,
      `sfu: { kind: janus-videoroom, url: "${janusUrl}", room: ${room} }`,
      'spikes:',
      `  - { type: rtp_packet_loss, at: ${SPIKE_AT_S}s, duration: ${SPIKE_S}s, loss_percentage: ${LOSS_PERCENT}, participants: [${LOSSY}] }`,
      '',
    ].join('\n'),
  );
  const viewers: ChromiumViewer[] = [];
  try {
    const run = runCli(['test', file, '--out-dir', dir, '--partitions', '1'], { cwd: dir });
    // Each viewer waits for its feed to publish, then joins: seconds before the spike.
    viewers.push(...(await Promise.all([CLEAN, LOSSY].map((feedId) => subscribeChromiumViewer({ janusUrl, room, feedId, chromium })))));
    const outcome = await run;
    const finals = await Promise.all(viewers.map((viewer) => viewer.close()));
    const result = JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8')) as RunResult;
    expect(result.status, outcome.stderr + outcome.stdout).not.toBe('error');
    for (const viewer of viewers) expect(viewer.networkRequests).toEqual([]);
    // The publishers' media (SRTP out, Janus's SRTCP feedback in) ran on avcm's native path, the default where the addon loads.
    // (Unless the suite runs with AVCM_IO=dgram, the fallback: then werift's media path.)
    if (process.env.AVCM_IO !== 'dgram') expect(result.io).toMatchObject({ engines: 'webrtc-batched', webrtcMedia: { participantsNative: 2, participantsWerift: 0 } });
    const seen: ViewedRun = { name, result, chromium: new Map(viewers.map((viewer, i) => [viewer.feedId, { final: finals[i], timeline: viewer.timeline }])) };
    print(seen);
    return seen;
  } finally {
    await Promise.all(viewers.map((viewer) => viewer.close().catch(() => undefined)));
    await destroyRoom(janus, room);
    await janus.close();
  }
}

/** Chromium's figures next to avcm's viewer-side figures, per feed (printed for the closing note). */
function print(run: ViewedRun): void {
  const lines = [`${run.name}: feed | Chromium freezes (s) / pauses / NACK / PLI / lost of received | avcm freezes (ms) / NACK / PLI / residual % / wire % / retransmissions`];
  for (const [feed, { final, timeline }] of run.chromium) {
    const v = final.video!;
    const a = avcmVideo(run, feed);
    lines.push(
      `  ${feed} | ${v.freezeCount} (${v.totalFreezesDuration.toFixed(2)}) / ${v.pauseCount} / ${v.nackCount} / ${v.pliCount} / ${v.packetsLost} of ${v.packetsReceived}` +
        ` | ${a.whole.freeze_count} (${a.whole.freeze_ms}) / ${a.whole.nack_count} / ${a.whole.pli_count} / ${a.whole.residual_loss_percent} / ${a.whole.packet_loss_percent} / ${a.whole.retransmitted_packets}` +
        ` | decoded per second: ${perWindow(timeline).map((w) => w.video?.framesDecoded ?? '-').join(' ')}`,
    );
  }
  const f = run.result.totals.feedback;
  if (f) lines.push(`  what Janus did: NACKs to the publishers ${f.senderNacksReceived}, retransmissions they served ${f.senderRetransmissionsSent}, PLIs ${f.senderPlisReceived}, keyframes ${f.senderKeyframesSent}`);
  console.log(lines.join('\n'));
}

describe('Chromium as the oracle of what a Janus viewer sees', () => {
  it(`${LOSS_PERCENT} % loss for ${SPIKE_S} s: open loop the viewer freezes; with the feedback loop the freezes shrink to what recovery cannot save, and avcm agrees with Chromium`, async (context) => {
    if (skipReason || !browser) return context.skip();
    const open = await viewRun('chromium-open-loop', browser, 'false');
    const closed = await viewRun('chromium-feedback', browser, '{ nack: true, rtx: true, pli: true }');

    for (const run of [open, closed]) {
      // The clean feed plays at about the clip's rate without freezing for long once playing, for both.
      const clean = run.chromium.get(CLEAN)!;
      const rate = decodedFps(clean.timeline);
      expect(rate.fps).toBeGreaterThan(FPS * 0.8);
      expect(steadyFreezeSeconds(clean.timeline, WARMUP_MS)).toBeLessThan(2.5); // a broken feed: about the whole 8 s spike
      expect(avcmVideo(run, CLEAN).whole.decodable_fps!).toBeGreaterThan(FPS * 0.8);
    }

    // Open loop: Janus cannot repair what the publisher never resends, so the picture breaks for
    // about the whole spike, for Chromium and for avcm's viewer alike; both NACKed and asked for keyframes.
    const openChromium = open.chromium.get(LOSSY)!.final.video!;
    const openAvcm = avcmVideo(open, LOSSY).whole;
    expect(openChromium.totalFreezesDuration + openChromium.totalPausesDuration).toBeGreaterThan(SPIKE_S * 0.4);
    expect(openAvcm.freeze_ms! / 1000).toBeGreaterThan(SPIKE_S * 0.4);
    expect(Math.abs(openAvcm.freeze_ms! / 1000 - openChromium.totalFreezesDuration)).toBeLessThan(Math.max(2.5, openChromium.totalFreezesDuration * 0.35));
    expect(openChromium.nackCount).toBeGreaterThan(0);
    // avcm's probe NACKs the same gaps as Chromium (its retries are paced a little differently).
    expect(openAvcm.nack_count! / openChromium.nackCount).toBeGreaterThan(0.4);
    expect(openAvcm.nack_count! / openChromium.nackCount).toBeLessThan(2.5);
    expect(openChromium.pliCount).toBeGreaterThan(0);
    expect(openAvcm.pli_count!).toBeGreaterThan(0);
    expect(openAvcm.residual_loss_percent!).toBeGreaterThan(LOSS_PERCENT * 0.3 * (SPIKE_S / RUN_S));

    // Feedback loop: Janus NACKs the publisher, which retransmits; the viewer's freezes shrink to
    // what recovery could not save, for Chromium and avcm alike, and their figures agree.
    const fbChromium = closed.chromium.get(LOSSY)!.final.video!;
    const fbAvcm = avcmVideo(closed, LOSSY).whole;
    expect(fbChromium.totalFreezesDuration).toBeLessThan(Math.max(1.5, openChromium.totalFreezesDuration * 0.3));
    expect(fbAvcm.freeze_ms! / 1000).toBeLessThan(Math.max(1.5, openAvcm.freeze_ms! / 1000 * 0.3));
    expect(Math.abs(fbAvcm.freeze_ms! / 1000 - fbChromium.totalFreezesDuration)).toBeLessThan(1.5);
    // Counts of short freezes are noisy: a Chromium starved on a busy machine adds freezes of its own
    // rendering (5 of 1.24 s in all against avcm's 1 of 0.54 s, seen here at load 10). The durations
    // above agree; avcm never reports more freezes than Chromium saw.
    expect(fbAvcm.freeze_count!).toBeLessThanOrEqual(fbChromium.freezeCount + 2);
    // What is still missing at playout: small, and about what Chromium counts lost after its own recovery.
    expect(fbAvcm.residual_loss_percent!).toBeLessThan(2);
    expect(fbChromium.packetsLost).toBeLessThanOrEqual(fbChromium.packetsReceived * 0.02);
    expect(closed.result.totals.feedback!.senderNacksReceived).toBeGreaterThan(0);
    expect(closed.result.totals.feedback!.senderRetransmissionsSent).toBeGreaterThan(0);
  }, 180_000);
});
