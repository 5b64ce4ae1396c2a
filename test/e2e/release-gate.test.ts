import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';

// The release gate as a team runs it: the last release's run is the baseline, the candidate is
// judged relative to it (and compared side by side), inside a simulated GitHub Actions job.
// Real engine processes send over loopback to the built-in probe.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-gate-'));
});

/** The gate: relative limits plus one absolute; `lossPercent` is the chaos of this "release". */
function gate(lossPercent: number): string {
  return `version: 1
name: gate
seed: 5
duration: 6s
participants: { count: 3, base_port: 0 }
scaling: { partitions: 1 }
spikes:
  - { type: rtp_packet_loss, at: 2s, duration: 3s, loss_percentage: ${lossPercent} }
assertions:
  frame_rate_fps: ["avg > 20"]
  packet_loss_percent:
    - "avg <= baseline + 1"
  mos: ["avg >= baseline - 0.3"]
  during_spikes:
    packet_loss_percent: ["max <= baseline * 2 + 3"]
# Judged whatever the machine's load: the gate's verdict on injected loss is what is tested.
health: { inconclusive: false }
`;
}

async function report(folder: string): Promise<RunResult> {
  return JSON.parse(await readFile(path.join(dir, folder, 'gate.json'), 'utf8')) as RunResult;
}

describe('release gating end to end', () => {
  it('refuses relative assertions without a baseline (exit 2, located), records the first baseline with --baseline-optional', async () => {
    await writeFile(path.join(dir, 'gate.yaml'), gate(2));
    const refused = await runCli(['test', 'gate.yaml', '--out-dir', 'none'], { cwd: dir });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('gate.yaml:12:7 /assertions/packet_loss_percent/0 "avg <= baseline + 1" compares with a baseline run, but no --baseline was given');
    expect(refused.stderr).toMatch(/gate\.yaml:13:9 \/assertions\/mos\/0 "avg >= baseline - 0\.3"/);
    expect(refused.stderr).toMatch(/3 assertions need a baseline run; nothing ran/);
    expect(existsSync(path.join(dir, 'none'))).toBe(false);
    expect((await runCli(['test', 'gate.yaml', '--baseline', 'nowhere'], { cwd: dir })).code).toBe(2);

    const first = await runCli(['test', 'gate.yaml', '--out-dir', 'release-1', '--baseline-optional'], { cwd: dir });
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toMatch(/^ {2}SKIP {2}mos avg >= baseline - 0\.3 /m);
    const r = await report('release-1');
    expect(r.assertions.filter((a) => a.skipped).map((a) => a.name)).toEqual(['packet_loss_percent avg <= baseline + 1', 'mos avg >= baseline - 0.3', 'during_spikes packet_loss_percent max <= baseline * 2 + 3']);
    expect(r.summary!.during_spikes.packet_loss_percent!.max).toBeGreaterThan(0);
    const junit = await readFile(path.join(dir, 'release-1', 'gate.xml'), 'utf8');
    expect(junit).toMatch(/<testcase classname="avcm\.gate" name="mos avg >= baseline - 0\.3"[^>]*>[\s\S]*?<skipped\/>/);
  }, 120_000);

  it('an unchanged release passes against the baseline folder; JUnit says the baseline values', async () => {
    const run = await runCli(['test', 'gate.yaml', '--out-dir', 'release-2', '--baseline', 'release-1'], { cwd: dir });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toMatch(/compared with release-1\/gate\.json/);
    const base = await report('release-1');
    const r = await report('release-2');
    const mos = r.assertions.find((a) => a.metric === 'mos')!;
    expect(mos.baseline).toEqual({ limit: 'baseline - 0.3', value: base.summary!.whole.mos!.avg, report: 'release-1/gate.json' });
    expect(mos.threshold).toBeCloseTo(base.summary!.whole.mos!.avg - 0.3, 3);
    expect(r.baselineRun).toMatchObject({ report: 'release-1/gate.json', scenario: 'gate' });
    const junit = await readFile(path.join(dir, 'release-2', 'gate.xml'), 'utf8');
    expect(junit).toContain(`<property name="baseline" value="${base.summary!.whole.mos!.avg}"/>`);
    expect(junit).toContain('<property name="baseline_report" value="release-1/gate.json"/>');
  }, 120_000);

  it('a worse release fails in a simulated GitHub Actions job: job summary, ::error annotations on the failing lines; compare exits 1', async () => {
    await writeFile(path.join(dir, 'worse.yaml'), gate(25));
    const summary = path.join(dir, 'step-summary.md');
    await writeFile(summary, '# earlier step output\n');
    const env = { ...process.env, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: dir };
    const run = await runCli(['test', 'worse.yaml', '--out-dir', 'release-3', '--baseline', 'release-1/gate.json'], { cwd: path.join(dir), env });
    expect(run.code, run.stderr + run.stdout).toBe(1);
    const r = await report('release-3');
    const failed = r.assertions.filter((a) => !a.passed);
    expect(failed.map((a) => a.name)).toEqual(expect.arrayContaining(['packet_loss_percent avg <= baseline + 1', 'during_spikes packet_loss_percent max <= baseline * 2 + 3']));
    // One annotation per failing assertion, on its line of the scenario file.
    const annotations = run.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(annotations).toHaveLength(failed.length);
    expect(annotations).toContainEqual(expect.stringMatching(/^::error file=worse\.yaml,line=12,col=7,title=avcm%3A gate failed::packet_loss_percent avg <= baseline \+ 1: measured [\d.]+ \(limit <= [\d.]+ = baseline [\d.]+ \+ 1\) over 6 streams .*worst: participant 100\d /));
    expect(annotations).toContainEqual(expect.stringMatching(/^::error file=worse\.yaml,line=15,col=\d+,title=avcm%3A gate failed::during_spikes packet_loss_percent max <= baseline \* 2 \+ 3/));
    // The job summary was appended after what the step had written.
    const markdown = await readFile(summary, 'utf8');
    expect(markdown.startsWith('# earlier step output\n')).toBe(true);
    expect(markdown).toContain('### ❌ avcm: gate FAILED');
    expect(markdown).toMatch(/\| ❌ \| `packet_loss_percent avg <= baseline \+ 1` \(line 12\) \| [\d.]+ \| <= [\d.]+ \(baseline [\d.]+ \+ 1\) \| 6 \| measured .* worst: participant 100\d/);
    expect(markdown).toMatch(/\| ✅ \| `frame_rate_fps avg > 20` \(line 10\) \|/);
    expect(markdown).toMatch(/\*\*Worst streams\*\*[\s\S]*\| 100\d \| (video|audio) \| [\d.]+ \| [\d.]+ \|/);
    expect(markdown).toContain('Compared with `release-1/gate.json`');

    const compare = await runCli(['compare', 'release-1/gate.json', 'release-3/gate.json', '--markdown', 'cmp.md'], { cwd: dir });
    expect(compare.code, compare.stdout).toBe(1);
    expect(compare.stdout).toMatch(/^ {2}during_spikes +packet_loss_percent .*REGRESSION$/m);
  }, 120_000);
});
