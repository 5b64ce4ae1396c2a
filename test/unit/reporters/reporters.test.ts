/// <reference lib="dom" />
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { renderHtml, renderJson, renderJunit, renderProgress, renderSummary, writeReports } from '../../../reporters/index.js';
import { AvcmError } from '../../../src/errors/index.js';
import { buildRunResult } from '../../../src/verdict/index.js';
import { planOf, probeReport, syntheticStream } from '../../helpers/results.js';

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
    expect(renderJunit(sampleResult('aborted'))).toMatch(/<testcase classname="avcm\.t" name="run"[^>]*>\s*<error message="interrupted by SIGINT" type="Aborted"/);
  });
});

describe('console summary', () => {
  it('lists every assertion with its measured value and the verdict', () => {
    const result = sampleResult();
    const text = renderSummary(result);
    expect(text).toMatch(/t: FAILED/);
    expect(text).toMatch(/^ {2}FAIL {2}packet_loss_percent avg < 2 +[\d.]+ {2}< 2 +12 {2}measured [\d.]+ \(limit < 2\) over 12 streams$/m);
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

  it('progress is one line with elapsed/duration, participants, pkt/s, spikes and the last measurement', () => {
    const progress = { state: 'running' as const, elapsedMs: 12_400, durationMs: 60_000, participants: 40, packetsSent: 5, bytesSent: 5, packetsPerSecond: 13_500, sendErrors: 0, activeSpikes: ['0.1', '1.0'], measured: { packetsReceived: 13_000, lossPercent: 3.456, jitterMs: 1.2, mos: 4.1 } };
    const tty = renderProgress(progress, true);
    expect(tty).not.toMatch(/\n/);
    expect(tty).toMatch(/^ {2}12s\/60s {2}\| {2}40 participants {2}\| {2}13,500 pkt\/s {2}\| {2}spikes: 0\.1,1\.0 {2}\| {2}loss 3\.46% {2}jitter 1\.20 ms {2}MOS 4\.10$/);
    const plain = renderProgress({ ...progress, activeSpikes: [], measured: null, sendErrors: 3 }, false);
    expect(plain).toBe('progress   12s/60s, 40 participants, 13,500 pkt/s, spikes: none, waiting for packets, 3 send errors');
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


  it('stands alone and renders in headless Chromium: no console errors, no requests, 4 charts drawn, sortable table', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-html-'));
    const html = path.join(dir, 'report.html');
    await writeReports(sampleResult(), { json: path.join(dir, 'r.json'), junit: path.join(dir, 'r.xml'), html });
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
      const canvases = await page.locator('canvas').count();
      expect(canvases).toBe(4);
      // Every chart has drawn pixels (not a blank canvas).
      const inked = await page.evaluate(() =>
        Array.from(document.querySelectorAll('canvas')).map((c) => {
          const ctx = (c as HTMLCanvasElement).getContext('2d')!;
          const data = ctx.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
          let painted = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
          return painted;
        }),
      );
      for (const painted of inked) expect(painted).toBeGreaterThan(1000);
      // Sorting the streams table by received (ascending, then descending).
      const header = page.locator('#streams th', { hasText: 'received' });
      await header.click();
      const ascending = await page.locator('#streams tbody tr td:nth-child(4)').allTextContents();
      await header.click();
      const descending = await page.locator('#streams tbody tr td:nth-child(4)').allTextContents();
      expect(ascending.map(Number)).toEqual([...ascending.map(Number)].sort((a, b) => a - b));
      expect(descending.map(Number)).toEqual([...descending.map(Number)].sort((a, b) => b - a));
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
