/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { compareRuns, resolveThresholds } from '../../../src/compare/index.js';
import { WORSE_WHEN } from '../../../src/result/worse-when.js';
import { METRIC_NAMES } from '../../../src/result/index.js';
import type { RunResult } from '../../../src/result/types.js';
import { buildRunResult } from '../../../src/verdict/index.js';
import { runCli } from '../../helpers/cli.js';
import { planOf, probeReport, senderOf, syntheticStream, withViewer } from '../../helpers/results.js';

const NOW = new Date('2026-01-01T00:00:00Z');

/** A 20 s run of 4 participants: `loss` of the packets lost in the spike (5..11 s) by 1001 and 1002, with the feedback loop. */
function run(loss: number, jitter = 1, name = 't'): RunResult {
  const { scenario, plan } = planOf(`duration: 20s
participants: { count: 4 }
spikes:
  - { type: rtp_packet_loss, at: 5s, duration: 6s, loss_percentage: 10, participants: [1001, 1002] }
assertions:
  packet_loss_percent: ["avg < 5"]
`);
  const lossAt = (id: number) => (i: number) => (id <= 1002 && i >= 5 && i < 11 ? loss : 0);
  const streams = plan.participants.flatMap((p) => [
    withViewer(syntheticStream(p.id, 'video', p.videoSsrc!, 20, lossAt(p.id), () => jitter), 0.1, p.id <= 1002 ? [7] : []),
    withViewer(syntheticStream(p.id, 'audio', p.audioSsrc!, 20, lossAt(p.id), () => jitter)),
  ]);
  const senders = streams.map((st) => senderOf(st));
  return { ...buildRunResult({ plan, assertions: scenario.assertions, file: 'g.yaml', probe: probeReport(streams, 20), target: 'udp://127.0.0.1:1', startedAt: NOW, finishedAt: NOW, packetsSent: null, senders, restarts: [] }), scenario: name };
}

describe('compareRuns', () => {
  const defaults = resolveThresholds([]);

  it('lays every metric per scope side by side: the same run against itself is all "same"', () => {
    const a = run(0.1);
    const c = compareRuns({ report: 'a.json', result: a }, { report: 'b.json', result: a }, defaults, ['avg', 'p95']);
    expect(c.regressions).toEqual([]);
    expect(c.rows.every((r) => r.verdict === 'same')).toBe(true);
    // Every metric that was measured appears, in each scope where it was, plus recovery_seconds.
    const whole = c.rows.filter((r) => r.scope === 'whole').map((r) => r.metric);
    expect(whole).toEqual([...METRIC_NAMES.filter((m) => a.summary!.whole[m] !== null), 'recovery_seconds']);
    expect(c.rows.filter((r) => r.scope === 'during_spikes').length).toBeGreaterThan(10);
    expect(c.rows.filter((r) => r.scope === 'baseline').length).toBeGreaterThan(10);
    expect(c.rows[0].stats.map((s) => s.stat)).toEqual(['avg', 'p95']);
  });

  it('marks a change in the worse direction past the threshold as a regression, smaller ones as worse, the other way as better', () => {
    const c = compareRuns({ report: 'old.json', result: run(0.04) }, { report: 'new.json', result: run(0.2) }, defaults, ['avg', 'p95']);
    const row = (scope: string, metric: string) => c.rows.find((r) => r.scope === scope && r.metric === metric)!;
    const loss = row('during_spikes', 'packet_loss_percent');
    expect(loss.stats[0]).toMatchObject({ stat: 'avg', old: 4, new: 20, change: 16, changePercent: 400, verdict: 'regression' });
    expect(loss.verdict).toBe('regression');
    expect(row('whole', 'mos').worseWhen).toBe('lower');
    expect(row('whole', 'mos').stats[0].change!).toBeLessThan(0);
    // Baseline windows did not change.
    expect(row('baseline', 'packet_loss_percent').verdict).toBe('same');
    expect(c.regressions.map((r) => `${r.scope} ${r.metric}`)).toContain('during_spikes packet_loss_percent');
    // The other way round, the same rows are better.
    const back = compareRuns({ report: 'new.json', result: run(0.2) }, { report: 'old.json', result: run(0.04) }, defaults, ['avg']);
    expect(back.rows.find((r) => r.scope === 'during_spikes' && r.metric === 'packet_loss_percent')!.verdict).toBe('better');
    expect(back.regressions.filter((r) => WORSE_WHEN[r.metric] === 'higher' && r.metric.includes('loss'))).toEqual([]);
  });

  it('keeps run-to-run noise under the default noise floor, and takes --threshold overrides', () => {
    // Jitter 1 ms -> 2 ms is +100 % but under the 2 ms floor: worse, not a regression.
    const noisy = compareRuns({ report: 'a', result: run(0.1, 1) }, { report: 'b', result: run(0.1, 2) }, defaults, ['avg']);
    expect(noisy.rows.find((r) => r.scope === 'whole' && r.metric === 'jitter_ms')!.verdict).toBe('worse');
    const strict = compareRuns({ report: 'a', result: run(0.1, 1) }, { report: 'b', result: run(0.1, 2) }, resolveThresholds(['jitter_ms=0.5']), ['avg']);
    expect(strict.rows.find((r) => r.scope === 'whole' && r.metric === 'jitter_ms')!.verdict).toBe('regression');
    const loose = compareRuns({ report: 'a', result: run(0.04) }, { report: 'b', result: run(0.2) }, resolveThresholds(['packet_loss_percent=500%']), ['avg']);
    expect(loose.rows.find((r) => r.scope === 'during_spikes' && r.metric === 'packet_loss_percent')!.verdict).toBe('worse');
  });

  it('parses thresholds: N% for all, METRIC=N absolute, METRIC=N% relative, both when named twice; rejects the rest', () => {
    const t = resolveThresholds(['5%', 'mos=0.2', 'jitter_ms=20%', 'delay_ms=3', 'delay_ms=50%']);
    expect(t.packet_loss_percent).toEqual({ relativePercent: 5, absolute: 0.5 });
    expect(t.mos).toEqual({ relativePercent: null, absolute: 0.2 });
    expect(t.jitter_ms).toEqual({ relativePercent: 20, absolute: null });
    expect(t.delay_ms).toEqual({ relativePercent: 50, absolute: 3 });
    for (const bad of ['nope=1', '5', 'mos=x', 'mos=']) expect(() => resolveThresholds([bad]), bad).toThrow(/--threshold/);
  });

  it('notes different scenarios, seeds and a run that did not complete', () => {
    const broken = { ...run(0.1), status: 'error' as const, errorMessage: 'partition 0 died' };
    const c = compareRuns({ report: 'a', result: run(0.1, 1, 'a') }, { report: 'b', result: { ...broken, seed: 99 } }, defaults, ['avg']);
    expect(c.notes.join('\n')).toMatch(/different scenarios \(a, t\)[\s\S]*different seeds[\s\S]*the new run did not complete \(error: partition 0 died\)/);
  });
});

describe('avcm compare', () => {
  it('prints the table, writes Markdown/HTML/JSON, and exits 1 on a regression, 0 without, 2 on bad input', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-compare-'));
    await writeFile(path.join(dir, 'old.json'), JSON.stringify(run(0.04)));
    await writeFile(path.join(dir, 'new.json'), JSON.stringify(run(0.2)));
    const worse = await runCli(['compare', 'old.json', 'new.json', '--markdown', 'cmp.md', '--html', 'cmp.html', '--json', 'cmp.json'], { cwd: dir });
    expect(worse.code, worse.stderr).toBe(1);
    expect(worse.stdout).toMatch(/^ {2}scope +metric +avg old +avg new +change +p95 old +p95 new +change +verdict$/m);
    expect(worse.stdout).toMatch(/^ {2}during_spikes +packet_loss_percent +4 +20 +\+16 \(\+400%\) .* REGRESSION$/m);
    expect(worse.stdout).toMatch(/^FAILED: \d+ regressions? past the thresholds$/m);
    expect(worse.stdout).toMatch(/^ {2}during_spikes packet_loss_percent: avg 4 -> 20 \(\+16 \(\+400%\)\).*higher is worse, threshold > 10 % and > 0\.5$/m);
    const markdown = await readFile(path.join(dir, 'cmp.md'), 'utf8');
    expect(markdown).toMatch(/^### avcm compare: t — ❌ \d+ regressions? past the thresholds$/m);
    expect(markdown).toMatch(/^\| during_spikes \| packet_loss_percent \| 4 \| 20 \| \+16 \(\+400%\) \|.*\| ❌ regression \| higher \| > 10 % and > 0\.5 \|$/m);
    expect(JSON.parse(await readFile(path.join(dir, 'cmp.json'), 'utf8')).regressions.length).toBeGreaterThan(0);
    const same = await runCli(['compare', 'old.json', 'old.json', '--quiet'], { cwd: dir });
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^PASSED: no regression past the thresholds$/m);
    expect(same.stdout).not.toMatch(/scope +metric/);
    await writeFile(path.join(dir, 'junk.json'), '{"hello": 1}');
    const junk = await runCli(['compare', 'old.json', 'junk.json'], { cwd: dir });
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/junk\.json is not an avcm run report/);
    expect((await runCli(['compare', 'old.json', 'missing.json'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['compare', 'old.json', 'new.json', '--stats', 'avg,p42'], { cwd: dir })).code).toBe(2);
  });

  it("the HTML overlays both runs' timelines on the report's charts, self-contained", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-compare-html-'));
    await writeFile(path.join(dir, 'old.json'), JSON.stringify(run(0.04)));
    await writeFile(path.join(dir, 'new.json'), JSON.stringify(run(0.2, 3)));
    const result = await runCli(['compare', 'old.json', 'new.json', '--html', 'cmp.html'], { cwd: dir });
    expect(result.code).toBe(1);
    const file = path.join(dir, 'cmp.html');
    expect(await readFile(file, 'utf8')).not.toMatch(/(src|href)=["']https?:/);
    expect(existsSync('/usr/bin/chromium'), 'install chromium (apt-get install chromium)').toBe(true);
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 1400 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('request', (r) => !r.url().startsWith('file:') && requests.push(r.url()));
      await page.goto(`file://${file}`);
      await page.waitForSelector('#chart-freezes canvas');
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      const legend = async (chart: string): Promise<string[]> => (await page.locator(`${chart} .u-legend .u-series:not(:first-child) .u-label`).allTextContents()).map((l) => l.trim());
      expect(await legend('#chart-loss')).toEqual(['old: on the wire', 'new: on the wire', 'old: at playout: still missing after NACK/RTX (residual)', 'new: at playout: still missing after NACK/RTX (residual)']);
      expect(await legend('#chart-jitter')).toEqual(['old: jitter ms', 'new: jitter ms']);
      // The two runs' jitter lines differ (1 ms vs 3 ms): both drawn from their own data.
      const jitter = await page.evaluate(() => {
        const data = JSON.parse(document.getElementById('avcm-charts')!.textContent!) as { runs: { timeline: { jitterMs: number }[] }[] };
        return data.runs.map((r) => r.timeline[0].jitterMs);
      });
      expect(jitter).toEqual([1, 3]);
      expect(await page.locator('#comparison tbody tr.regression').count()).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
