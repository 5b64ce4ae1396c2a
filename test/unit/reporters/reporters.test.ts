/// <reference lib="dom" />
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { renderHtml, renderJson, renderJunit, renderProgress, renderSummary, writeReports } from '../../../reporters/index.js';
import { AvcmError } from '../../../src/errors/index.js';
import { buildRunResult } from '../../../src/verdict/index.js';
import { planOf, probeReport, senderOf, syntheticStream, withViewer } from '../../helpers/results.js';

const XSD = new URL('../../fixtures/junit/junit.xsd', import.meta.url).pathname;
const ARTIFACTS = new URL('../../../test-artifacts/', import.meta.url).pathname;

function sampleResult(status?: 'aborted' | 'error') {
  const { scenario, plan } = planOf(`duration: 20s
participants: { count: 6 }
spikes:
  - { type: rtp_packet_loss, at: 5s, duration: 6s, loss_percentage: 10 }
  - { type: network_jitter, at: 13s, duration: 4s, jitter_std_dev_ms: 10 }
assertions:
  packet_loss_percent: ["avg < 2", "p95 < 5"]
  mos: ["avg >= 4.2"]
  during_spikes: { packet_loss_percent: ["max < 20"] }
`);
  const streams = plan.participants.flatMap((p) => [
    syntheticStream(p.id, 'video', p.videoSsrc!, 20, (i) => (i >= 5 && i < 11 ? 0.1 : 0), (i) => (i >= 13 && i < 17 ? 8 : 1)),
    syntheticStream(p.id, 'audio', p.audioSsrc!, 20, (i) => (i >= 5 && i < 11 ? 0.1 : 0)),
  ]);
  return buildRunResult({ plan, assertions: scenario.assertions, file: 'gate & <co>.yaml', probe: probeReport(streams, 20), target: 'udp://127.0.0.1:5002', startedAt: new Date(), finishedAt: new Date(), packetsSent: 1000, restarts: [], status, errorMessage: status ? 'interrupted by SIGINT' : undefined });
}

/**
 * The same run with the feedback loop: the probe's playout model recovered 90 % of the video loss
 * (audio is concealed, not NACKed), one freeze and PLI per participant in the spike, and every
 * sender's RTCP figures (round trip rising during the jitter spike).
 */
function feedbackResult() {
  const { scenario, plan } = planOf(`duration: 20s
participants: { count: 6 }
spikes:
  - { type: rtp_packet_loss, at: 5s, duration: 6s, loss_percentage: 10 }
  - { type: network_jitter, at: 13s, duration: 4s, jitter_std_dev_ms: 10 }
assertions:
  packet_loss_percent: ["avg < 2"]
  during_spikes: { residual_loss_percent: ["max < 1"], freeze_count: ["max <= 1"] }
  baseline: { residual_loss_percent: ["max < 0.5"] }
`);
  const loss = (i: number): number => (i >= 5 && i < 11 ? 0.1 : 0);
  const jitter = (i: number): number => (i >= 13 && i < 17 ? 8 : 1);
  const streams = plan.participants.flatMap((p, n) => [
    withViewer(syntheticStream(p.id, 'video', p.videoSsrc!, 20, loss, jitter), 0.1, [6 + (n % 3)]),
    withViewer(syntheticStream(p.id, 'audio', p.audioSsrc!, 20, loss)),
  ]);
  const senders = streams.map((st) => senderOf(st, (i) => (i >= 13 && i < 17 ? 60 : 24)));
  return buildRunResult({ plan, assertions: scenario.assertions, file: 'feedback.yaml', probe: probeReport(streams, 20), target: 'udp://127.0.0.1:5002', startedAt: new Date(), finishedAt: new Date(), packetsSent: 1000, senders, restarts: [] });
}

/**
 * A run through an SFU restarted at 8 s by the command driver: every stream came back under new
 * SSRCs, the participants rejoined, one probe subscription did not; `failedAction` makes the
 * restart command fail instead.
 */
function sutResult(failedAction = false) {
  const { scenario, plan } = planOf(`duration: 20s
participants: { count: 2, transport: webrtc }
sut: { driver: command, restart: ./restart.sh }
spikes:
  - { type: sut_restart, at: 8s, duration: 6s }
assertions:
  during_spikes: { outage_seconds: ["max < 5"], reconnect_seconds: ["max < 3"] }
`);
  const gone = (i: number): number => (i >= 8 && i < 12 ? 1 : 0);
  const streams = plan.participants.flatMap((p) =>
    (['video', 'audio'] as const).flatMap((media, m) => {
      const whole = withViewer(syntheticStream(p.id, media, 10 * p.id + m, 20, gone));
      const before = { ...whole, windows: whole.windows.map((w) => (w.index < 8 ? w : { ...w, received: 0, expected: 0, lost: 0, bytes: 0, frames: 0 })), lastSeenMs: 8_200 };
      const after = { ...whole, ssrc: 20 * p.id + m, firstSeenMs: 12_300, windows: whole.windows.map((w) => (w.index >= 12 ? w : { ...w, received: 0, expected: 0, lost: 0, bytes: 0, frames: 0 })) };
      return [before, after];
    }),
  );
  const start = 1_000_000;
  const probe = { ...probeReport(streams, 20), runStartEpochMs: start };
  const sutActions = [
    {
      spikeId: '0.0',
      spikeType: 'sut_restart' as const,
      driver: 'command' as const,
      action: 'restart' as const,
      phase: 'start' as const,
      detail: './restart.sh',
      startedAtEpochMs: start + 8_000,
      endedAtEpochMs: start + 10_000,
      ok: !failedAction,
      exitCode: failedAction ? 3 : 0,
      output: failedAction ? 'janus: <not> running & no pid' : 'janus ready',
      error: failedAction ? 'restart command exited with 3' : null,
    },
  ];
  const reconnects = [
    ...plan.participants.map((p) => ({ side: 'participant' as const, participantId: p.id, reason: 'signaling lost', lostAtEpochMs: start + 8_300, rejoinedAtEpochMs: start + 11_000, attempts: 3, error: null })),
    { side: 'probe' as const, participantId: 1001, reason: 'signaling lost', lostAtEpochMs: start + 8_300, rejoinedAtEpochMs: null, attempts: 40, error: 'gave up after 40 attempts' },
  ];
  return buildRunResult({ plan, assertions: scenario.assertions, file: 'sut.yaml', probe, target: 'janus', startedAt: new Date(), finishedAt: new Date(), packetsSent: 1000, restarts: [], sutActions, reconnects });
}

describe('JUnit report', () => {
  it('validates against the JUnit XSD with xmllint, a testcase per assertion, failures carry measured vs limit', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-junit-'));
    for (const status of [undefined, 'aborted'] as const) {
      const result = sampleResult(status);
      const file = path.join(dir, `${status ?? 'done'}.xml`);
      await writeReports(result, { json: path.join(dir, 'r.json'), junit: file, html: path.join(dir, 'r.html') });
      const lint = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
      expect(lint.status, lint.stderr).toBe(0);
    }
    const xml = renderJunit(sampleResult());
    expect(xml).toMatch(/<testsuite name="t"[^>]* tests="4" failures="\d+"/);
    expect(xml).toMatch(/<testcase classname="avcm\.t" name="packet_loss_percent avg &lt; 2"/);
    expect(xml).toMatch(/<failure message="packet_loss_percent avg &lt; 2: measured [\d.]+ \(limit &lt; 2\)/);
    expect(xml).toMatch(/<property name="seed" value="\d+"\/>/);
    expect(xml).toMatch(/<property name="packets_lost" value="\d+"\/>/);
    expect(xml).not.toContain('viewer_nacks_sent');
    expect(renderJunit(sampleResult('aborted'))).toMatch(/<testcase classname="avcm\.t" name="run"[^>]*>\s*<error message="interrupted by SIGINT" type="Aborted"/);
  });

  it('every testcase, passed ones too, carries measured value, limit and samples; relative ones the baseline value; failures name the worst streams', async () => {
    const baseline = sampleResult();
    const { scenario, plan } = planOf(`duration: 20s
participants: { count: 6 }
spikes:
  - { type: rtp_packet_loss, at: 5s, duration: 6s, loss_percentage: 10 }
assertions:
  packet_loss_percent: ["avg < 2"]
  mos: ["avg >= baseline - 0.1"]
  during_spikes: { packet_loss_percent: ["max < 20"] }
`);
    const streams = plan.participants.flatMap((p, n) => [
      syntheticStream(p.id, 'video', p.videoSsrc!, 20, (i) => (i >= 5 && i < 11 ? 0.05 + 0.02 * n : 0)),
      syntheticStream(p.id, 'audio', p.audioSsrc!, 20, (i) => (i >= 5 && i < 11 ? 0.05 : 0)),
    ]);
    const result = buildRunResult({ plan, assertions: scenario.assertions, file: 'g.yaml', probe: probeReport(streams, 20), target: 'udp://127.0.0.1:5002', startedAt: new Date(), finishedAt: new Date(), packetsSent: 1000, restarts: [], baseline: { report: 'prev/t.json', result: baseline } });
    const xml = renderJunit(result);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-junit-props-'));
    const file = path.join(dir, 'props.xml');
    await writeFile(file, xml);
    const lint = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
    expect(lint.status, lint.stderr).toBe(0);
    const testcases = xml.split('<testcase ').slice(1);
    expect(testcases).toHaveLength(3);
    for (const [i, a] of result.assertions.entries()) {
      const tc = testcases[i];
      expect(tc).toContain(`<property name="measured" value="${a.measured}"/>`);
      expect(tc).toContain(`<property name="limit" value="${a.op.replace('<', '&lt;')} ${a.threshold}"/>`);
      expect(tc).toContain(`<property name="samples" value="${a.samples}"/>`);
    }
    const mos = testcases.find((tc) => tc.includes('name="mos avg >= baseline - 0.1"'))!;
    expect(mos).toContain(`<property name="baseline" value="${baseline.summary!.whole.mos!.avg}"/>`);
    expect(mos).toContain('<property name="baseline_limit" value="baseline - 0.1"/>');
    expect(mos).toContain('<property name="baseline_report" value="prev/t.json"/>');
    const failed = testcases.find((tc) => tc.includes('name="packet_loss_percent avg &lt; 2"'))!;
    // The lossiest participants are the last ones (their loss grows with n).
    const worst = plan.participants.at(-1)!.id;
    expect(failed).toMatch(new RegExp(`<failure message="packet_loss_percent avg &lt; 2: measured [\\d.]+ \\(limit &lt; 2\\) over 12 streams; worst: participant ${worst} video [\\d.]+, participant ${worst - 1} video`));
    expect(xml).toContain('<property name="baseline_report" value="prev/t.json"/>');
  });

  it("carries the feedback loop's totals as properties next to the wire counts, and still validates", async () => {
    const result = feedbackResult();
    const f = result.totals.feedback!;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-junit-fb-'));
    const file = path.join(dir, 'fb.xml');
    await writeFile(file, renderJunit(result));
    const lint = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
    expect(lint.status, lint.stderr).toBe(0);
    const xml = await readFile(file, 'utf8');
    const property = (name: string): string | undefined => new RegExp(`<property name="${name}" value="([^"]*)"/>`).exec(xml)?.[1];
    expect(Number(property('packets_lost'))).toBe(result.totals.packetsLost);
    expect(Number(property('viewer_nacks_sent'))).toBe(f.nacksSent);
    expect(Number(property('viewer_retransmissions_received'))).toBe(f.retransmissionsReceived);
    expect(Number(property('viewer_packets_recovered'))).toBe(f.packetsRecovered);
    expect(Number(property('viewer_plis_sent'))).toBe(6);
    expect(Number(property('viewer_freezes'))).toBe(6);
    expect(Number(property('viewer_freeze_ms'))).toBe(2400);
    expect(Number(property('sender_nacks_received'))).toBe(f.nacksSent);
    expect(Number(property('sender_retransmissions_sent'))).toBe(f.senderRetransmissionsSent);
    expect(Number(property('sender_plis_received'))).toBe(6);
    expect(Number(property('sender_firs_received'))).toBe(0);
    expect(Number(property('sender_keyframes_sent'))).toBe(6);
    expect(f.nacksSent).toBeGreaterThan(0);
    // one testcase per assertion, as before
    expect(xml).toMatch(/<testcase classname="avcm\.t" name="during_spikes residual_loss_percent max &lt; 1"/);
  });
});

describe('console summary', () => {
  it('lists every assertion with its measured value and the verdict', () => {
    const result = sampleResult();
    const text = renderSummary(result);
    expect(text).toMatch(/t: FAILED/);
    expect(text).toMatch(/^ {2}FAIL {2}packet_loss_percent avg < 2 +[\d.]+ {2}< 2 +12 {2}measured [\d.]+ \(limit < 2\) over 12 streams; worst: participant \d+ (video|audio) [\d.]+, participant \d+ (video|audio) [\d.]+, participant \d+ (video|audio) [\d.]+$/m);
    expect(text).toMatch(/^ {2}PASS {2}during_spikes packet_loss_percent max < 20 +[\d.]+ {2}< 20 +12$/m);
    expect(text).toMatch(/streams: 6 video, 6 audio \| packets: 1000 sent/);
    // Columns line up: every assertion row has its limit right under the header's "limit".
    const lines = text.split('\n');
    const limitAt = lines.find((l) => /assertion +measured +limit +samples/.test(l))!.indexOf('limit');
    const rows = lines.filter((l) => /^ {2}(PASS|FAIL) /.test(l));
    expect(rows).toHaveLength(result.assertions.length);
    for (const [i, row] of rows.entries()) expect(row.slice(limitAt).startsWith(`${result.assertions[i].op} ${result.assertions[i].threshold}`), row).toBe(true);
    const tty = renderSummary(result, { tty: true });
    expect(tty).toMatch(/^ {2}✗ {2}packet_loss_percent avg < 2/m);
    expect(tty).toMatch(/^ {2}✓ {2}during_spikes/m);
    expect(renderSummary(sampleResult('aborted'))).toMatch(/t: ABORTED .*\n {2}interrupted by SIGINT\n/);
  });

  it('a run without assertions in which nothing reached the probe passes, and says that nothing was measured', () => {
    const { plan } = planOf('duration: 5s\nparticipants: { count: 2 }\n');
    const empty = buildRunResult({ plan, assertions: [], file: 'x.yaml', probe: probeReport([], 5), target: 'udp://127.0.0.1:9', startedAt: new Date(), finishedAt: new Date(), packetsSent: 2000, restarts: [] });
    expect(empty.status).toBe('passed');
    expect(renderSummary(empty)).toMatch(/\n {2}nothing reached the probe, so nothing was measured; this run has no assertions/);
    // A run that measured something says nothing of the kind.
    expect(renderSummary(sampleResult())).not.toMatch(/nothing reached the probe/);
  });

  it('with the feedback loop: residual loss next to the wire loss, a viewer line and a senders line, aligned', () => {
    const result = feedbackResult();
    const text = renderSummary(result);
    const lines = text.split('\n');
    const streams = lines.find((l) => l.startsWith('  streams: '))!;
    const viewer = lines.find((l) => l.startsWith('  viewer:  '))!;
    const senders = lines.find((l) => l.startsWith('  senders: '))!;
    expect(streams).toMatch(/mean loss [\d.]+% \(at playout [\d.]+%\), jitter/);
    // video recovered 90 % of its loss (0.1 of 10 % = 1 % residual in the 6 spike windows of 20), audio none of it
    expect(viewer).toMatch(/^ {2}viewer: {2}residual loss video 0\.30%, audio 3\.00% \| 6 freezes \(2\.4 s\), 29\.4 fps decodable \| \d+ NACKs sent, \d+ retransmissions received \| 6 PLIs sent, keyframe after 35 ms$/);
    expect(senders).toMatch(/^ {2}senders: RTT 31\.20 ms \| \d+ NACKs received, \d+ retransmissions sent \| 6 PLIs \+ 0 FIRs received, 6 keyframes sent$/);
    // the figures after the labels start in one column
    expect(new Set([streams, viewer, senders].map((l) => l.search(/(?<=: +)\S/)))).toHaveLength(1);
    expect(renderSummary(result, { tty: true })).toContain('  viewer:  residual loss');
    // without the feedback loop neither line appears
    const plain = renderSummary(sampleResult());
    expect(plain).not.toMatch(/viewer:|senders:|at playout/);
  });

  it('progress is one line with elapsed/duration, participants, pkt/s, spikes and the last measurement', () => {
    const progress = { state: 'running' as const, elapsedMs: 12_400, durationMs: 60_000, participants: 40, packetsSent: 5, bytesSent: 5, packetsPerSecond: 13_500, sendErrors: 0, sendRefused: 0, activeSpikes: ['0.1', '1.0'], measured: { packetsReceived: 13_000, lossPercent: 3.456, jitterMs: 1.2, mos: 4.1 }, viewer: null, sender: null };
    const tty = renderProgress(progress, true);
    expect(tty).not.toMatch(/\n/);
    expect(tty).toMatch(/^ {2}12s\/60s {2}\| {2}40 participants {2}\| {2}13,500 pkt\/s {2}\| {2}spikes: 0\.1,1\.0 {2}\| {2}loss 3\.46% {2}jitter 1\.20 ms {2}MOS 4\.10$/);
    const plain = renderProgress({ ...progress, activeSpikes: [], measured: null, sendErrors: 3 }, false);
    expect(plain).toBe('progress   12s/60s, 40 participants, 13,500 pkt/s, spikes: none, waiting for packets, 3 send errors');
    expect(renderProgress({ ...progress, sendErrors: 7, sendRefused: 6 }, false)).toMatch(/, 7 send errors \(6 refused by the target\)$/);
  });
});

describe('writing reports', () => {
  it('creates folders, leaves no temp files, and the JSON round-trips', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-write-'));
    const result = sampleResult();
    const paths = { json: path.join(dir, 'a/b/r.json'), junit: path.join(dir, 'c/r.xml'), html: path.join(dir, 'r.html') };
    await writeReports(result, paths);
    await writeReports(result, paths); // overwrites in place
    expect(JSON.parse(await readFile(paths.json, 'utf8'))).toEqual(JSON.parse(renderJson(result)));
    expect(JSON.parse(renderJson(result))).toEqual(result);
    expect((await readdir(path.join(dir, 'a/b'))).sort()).toEqual(['r.json']);
    expect((await readdir(dir)).sort()).toEqual(['a', 'c', 'r.html']);
  });

  it('fails with E_REPORT naming the file when a report cannot be written', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-write-'));
    const blocker = path.join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const error = await writeReports(sampleResult(), { json: path.join(dir, 'r.json'), junit: path.join(blocker, 'r.xml'), html: path.join(dir, 'r.html') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AvcmError);
    expect(error).toMatchObject({ code: 'E_REPORT', message: expect.stringContaining(path.join(blocker, 'r.xml')) });
  });
});

describe('reports of a run with actions on the system under test', () => {
  it('JUnit: a testcase per action with its output (a failed one fails), reconnect counts as properties; still validates', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-junit-sut-'));
    for (const failed of [false, true]) {
      const file = path.join(dir, `sut-${failed}.xml`);
      await writeFile(file, renderJunit(sutResult(failed)));
      const lint = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
      expect(lint.status, lint.stderr).toBe(0);
    }
    const ok = renderJunit(sutResult());
    expect(ok).toMatch(/<testcase classname="avcm\.t\.sut" name="sut 0\.0 sut_restart: restart" time="2">\s*<system-out>/);
    expect(ok).toContain('./restart.sh (exit 0)');
    expect(ok).toMatch(/<property name="reconnects_participants" value="2"\/>/);
    expect(ok).toMatch(/<property name="reconnects_never_back" value="1"\/>/);
    const failed = renderJunit(sutResult(true));
    expect(failed).toMatch(/<failure message="restart failed: restart command exited with 3" type="SutActionFailed"/);
    expect(failed).toContain('<![CDATA[./restart.sh (exit 3)\njanus: <not> running & no pid]]>');
  });

  it('console: what was done to the SUT and how the sessions came back', () => {
    const text = renderSummary(sutResult());
    expect(text).toContain('  sut:     0.0 restart at 8.0s ok in 2.0 s (exit 0)\n');
    expect(text).toContain('  rejoins: participants 2/2 back (slowest 2.7 s after the loss) | probe subscriptions 0/1 back\n');
    expect(renderSummary(sutResult(true))).toContain('  sut:     0.0 restart at 8.0s FAILED: restart command exited with 3 (exit 3)\n');
  });

  it('HTML: the actions marked on the charts, a section with the actions and the sessions lost, renumbered SSRCs and outage columns', async () => {
    const result = sutResult(true);
    await inChromium(result, 'report-sut.png', async (page) => {
      await expect(page.locator('h2', { hasText: 'Over time' }).textContent()).resolves.toContain('actions on the system under test');
      const action = await page.locator('#sut-events tbody tr td').allTextContents();
      expect(action.slice(0, 9)).toEqual(['0.0', 'sut_restart', 'restart (start)', '8.00', '10.00', '2.00', 'FAILED', '3', './restart.sh']);
      expect(action[9]).toBe('restart command exited with 3\njanus: <not> running & no pid');
      const rows = await page.locator('#reconnects tbody tr').count();
      expect(rows).toBe(3);
      await expect(page.locator('#reconnects tbody tr.fail td').first().textContent()).resolves.toBe('probe');
      const ssrcs = await page.locator('#viewer tbody tr td:nth-child(3)').allTextContents();
      expect(ssrcs.every((text) => / → /.test(text))).toBe(true);
      const headers = await page.locator('#viewer thead tr.groups th').allTextContents();
      expect(headers).toContain('outages');
      // The band of the restart is drawn in the action's colour over the loss chart (8 s .. 10 s).
      const dark = await page.evaluate(() => {
        const canvas = document.querySelector('#chart-loss canvas') as HTMLCanvasElement;
        const ctx = canvas.getContext('2d')!;
        let darkPixels = 0;
        const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i] < 120 && data[i + 1] < 120 && data[i + 2] < 140) darkPixels++;
        return darkPixels;
      });
      expect(dark).toBeGreaterThan(2_000);
    });
  }, 60_000);
});

describe('HTML report', () => {
  it('embeds the result so no text can close the script element', () => {
    const result = { ...sampleResult(), description: 'x </script><script>alert(1)</script> <!-- \u2028\u2029 end' };
    const html = renderHtml(result);
    const json = /<script type="application\/json" id="avcm-result">([\s\S]*?)<\/script>/.exec(html)![1];
    expect(json).not.toMatch(/<\/script|<!--|\u2028|\u2029/i);
    expect(JSON.parse(json)).toEqual(result);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('x &lt;/script&gt;');
  });


  it('stands alone and renders in headless Chromium: no console errors, no requests, the wire charts drawn, sortable table', async () => {
    await inChromium(sampleResult(), 'report.png', async (page) => {
      expect(await chartIds(page)).toEqual(['chart-loss', 'chart-mos', 'chart-jitter', 'chart-delay', 'chart-bitrate']);
      expect(await legend(page, '#chart-loss')).toEqual(['on the wire']);
      expect(await legend(page, '#chart-delay')).toEqual(['one-way (abs-send-time)']);
      // no viewer table and no sender columns without the feedback loop
      expect(await page.locator('#viewer').count()).toBe(0);
      expect(await page.locator('#streams thead tr').count()).toBe(1);
      expect(await page.locator('#streams thead th').allTextContents()).toContain('MOS');
      await expectSortable(page);
    });
  }, 60_000);

  it('with the feedback loop: residual next to wire loss, RTT next to one-way delay, NACK/PLI and freeze charts, viewer and sender columns', async () => {
    const result = feedbackResult();
    await inChromium(result, 'report-feedback.png', async (page) => {
      expect(await chartIds(page)).toEqual(['chart-loss', 'chart-mos', 'chart-jitter', 'chart-delay', 'chart-bitrate', 'chart-feedback', 'chart-freezes']);
      expect(await legend(page, '#chart-loss')).toEqual(['on the wire', 'at playout: still missing after NACK/RTX (residual)']);
      expect(await legend(page, '#chart-delay')).toEqual(['one-way (abs-send-time)', 'round trip (sender reports)']);
      expect(await legend(page, '#chart-feedback')).toEqual(['NACKs', 'PLIs (right axis)']);
      expect(await legend(page, '#chart-freezes')).toEqual(['freezes (W3C freezeCount, in the second they began)']);
      // the PLIs have an axis of their own on the right
      expect(await page.locator('#chart-feedback .u-axis').count()).toBe(3);
      // The viewer table: each viewer figure next to the wire figure it recovered from.
      expect(await page.locator('#viewer thead tr.groups th').allTextContents()).toEqual(['', 'loss %', 'loss % in spikes', 'video', '', 'the viewer asked']);
      const viewerHeaders = await page.locator('#viewer thead tr:last-child th').allTextContents();
      expect(viewerHeaders.slice(3, 7)).toEqual(['wire', 'at playout', 'wire', 'at playout']);
      for (const h of ['fps received', 'fps decodable', 'freezes', 'frozen ms', 'MOS', 'NACKs', 'resent packets', 'PLIs', 'keyframe ms']) expect(viewerHeaders).toContain(h);
      const video = result.streams.find((st) => st.media === 'video')!;
      const row = async (table: string): Promise<string[]> =>
        page.locator(`#${table} tbody tr`).filter({ has: page.locator('td:nth-child(3)', { hasText: new RegExp(`^${video.ssrc.toString(16)}$`) }) }).locator('td').allTextContents();
      const viewerRow = await row('viewer');
      const inViewer = (header: string): number => Number(viewerRow[viewerHeaders.indexOf(header)]);
      expect(inViewer('wire')).toBeCloseTo(video.whole.packet_loss_percent!, 2);
      expect(inViewer('at playout')).toBeCloseTo(video.whole.residual_loss_percent!, 2);
      expect(inViewer('at playout')).toBeLessThan(inViewer('wire'));
      expect(inViewer('freezes')).toBe(1);
      expect(inViewer('frozen ms')).toBe(400);
      expect(inViewer('NACKs')).toBe(video.whole.nack_count);
      expect(inViewer('PLIs')).toBe(1);
      expect(inViewer('MOS')).toBeCloseTo(video.whole.mos!, 2);
      // The wire table gains the sender's columns; MOS moved to the viewer table (it is the viewer's now).
      expect(await page.locator('#streams thead tr.groups th').allTextContents()).toEqual(['', 'on the wire', 'the sender (RTCP)']);
      const headers = await page.locator('#streams thead tr:last-child th').allTextContents();
      expect(headers).not.toContain('MOS');
      for (const h of ['RTT ms', 'NACKs in', 'resent', 'PLI/FIR in', 'keyframes sent']) expect(headers).toContain(h);
      const wireRow = await row('streams');
      const inWire = (header: string): number => Number(wireRow[headers.indexOf(header)]);
      expect(inWire('RTT ms')).toBeCloseTo(video.sender!.rttMs!, 2);
      expect(inWire('resent')).toBe(video.sender!.retransmissionsSent);
      expect(inWire('NACKs in')).toBe(video.sender!.nacksReceived);
      // Both tables fit the page at this width (no horizontal scrolling to find the viewer's columns).
      for (const table of ['#viewer', '#streams']) {
        const { width, box } = await page.locator(table).evaluate((t) => ({ width: t.scrollWidth, box: t.parentElement!.clientWidth }));
        expect(width, table).toBeLessThanOrEqual(box);
      }
      await expectSortable(page);
      // the run's feedback totals are in the metadata
      await expect(page.locator('.meta').textContent()).resolves.toMatch(/viewer \(probe\)\d+ NACKs sent/);
    });
  }, 60_000);
});

/** Opens the rendered report from disk in headless Chromium, checks it loads nothing and logs no error, runs `check`, keeps a screenshot. */
async function inChromium(result: ReturnType<typeof sampleResult>, screenshot: string, check: (page: Page) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-html-'));
  const html = path.join(dir, 'report.html');
  await writeReports(result, { json: path.join(dir, 'r.json'), junit: path.join(dir, 'r.xml'), html });
  expect(await readFile(html, 'utf8')).not.toMatch(/(src|href)=["']https?:/);
  expect(existsSync('/usr/bin/chromium'), 'install chromium (apt-get install chromium)').toBe(true);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1400 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => !r.url().startsWith('file:') && requests.push(r.url()));
    await page.goto(`file://${html}`);
    await page.waitForSelector('#chart-bitrate canvas');
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    // Every chart drew pixels (not a blank canvas).
    const inked = await page.evaluate(() =>
      Array.from(document.querySelectorAll('canvas')).map((c) => {
        const ctx = (c as HTMLCanvasElement).getContext('2d')!;
        const data = ctx.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return painted;
      }),
    );
    expect(inked.length).toBe(await page.locator('.charts > div').count());
    for (const painted of inked) expect(painted).toBeGreaterThan(1000);
    await check(page);
    expect(errors).toEqual([]);
    await mkdir(ARTIFACTS, { recursive: true });
    // From the top, so the sticky table headers sit where they belong in the full-page shot.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, screenshot), fullPage: true });
  } finally {
    await browser.close();
  }
}

/** The chart containers in page order, each holding a drawn uPlot. */
async function chartIds(page: Page): Promise<string[]> {
  const ids = await page.locator('.charts > div').evaluateAll((divs) => divs.map((d) => d.id));
  for (const id of ids) expect(await page.locator(`#${id} canvas`).count(), id).toBe(1);
  return ids;
}

/** A chart's series labels from uPlot's legend (the x series left out). */
async function legend(page: Page, chart: string): Promise<string[]> {
  return (await page.locator(`${chart} .u-legend .u-series:not(:first-child) .u-label`).allTextContents()).map((l) => l.trim());
}

/** Sorting the streams table by received, ascending then descending. */
async function expectSortable(page: Page): Promise<void> {
  const header = page.locator('#streams thead tr:last-child th', { hasText: /^received$/ });
  const column = (await page.locator('#streams thead tr:last-child th').allTextContents()).indexOf('received') + 1;
  await header.click();
  const ascending = await page.locator(`#streams tbody tr td:nth-child(${column})`).allTextContents();
  await header.click();
  const descending = await page.locator(`#streams tbody tr td:nth-child(${column})`).allTextContents();
  expect(ascending.map(Number)).toEqual([...ascending.map(Number)].sort((a, b) => a - b));
  expect(descending.map(Number)).toEqual([...descending.map(Number)].sort((a, b) => b - a));
  expect(ascending).not.toEqual(descending);
}
