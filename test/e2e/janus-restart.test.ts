import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.js';
import { runCli } from '../helpers/cli.js';

// A real SFU restarted mid-run: Janus (Debian package) started by scripts/janus-local.sh, and
// restarted by the shipped scenario's `command` driver (`janus-local.sh restart`). The publishers
// (werift) lose their Janus session, join again in a new one; the probe subscribes again; the
// outage, the rejoin and the recovery are measured from what reached the probe and gated.

const SCRIPT = new URL('../../scripts/janus-local.sh', import.meta.url).pathname;
const SHIPPED = new URL('../../examples/janus-restart.yaml', import.meta.url).pathname;
const HTTP_PORT = String(18900 + Math.floor(Math.random() * 500));
let available = false;

beforeAll(() => {
  const started = spawnSync(SCRIPT, ['start', HTTP_PORT, '21500-21999'], { encoding: 'utf8', timeout: 120_000 });
  available = started.status === 0;
  if (!available) console.warn(`Janus restart tests skipped: janus is missing and could not be installed or started here: ${(started.stderr || started.stdout).trim()}`);
}, 180_000);
afterAll(() => {
  execFileSync(SCRIPT, ['stop', HTTP_PORT]);
});

/** The shipped scenario, pointed at this test's Janus; `assertions` replaces its assertions when given. */
async function shipped(name: string, assertions?: string): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-janus-restart-'));
  let text = (await readFile(SHIPPED, 'utf8'))
    .replace(/^name: janus-restart$/m, `name: ${name}`)
    .replaceAll('8088', HTTP_PORT)
    // The scenario names the script relative to its folder (scenarios/); this copy lives elsewhere.
    .replace('../scripts/janus-local.sh', SCRIPT);
  // A gate that must fail (exit 1) is judged whatever the machine's load: the clients' DTLS
  // handshakes on rejoin stall a busy machine's engines for a window, which would make it a 3.
  if (assertions) text = text.slice(0, text.indexOf('\nassertions:')) + `\nhealth: { inconclusive: false }\nassertions:\n${assertions}`;
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, text);
  return { dir, file };
}

async function run(name: string, assertions?: string): Promise<{ code: number; result: RunResult; junit: string; output: string }> {
  const { dir, file } = await shipped(name, assertions);
  const cli = await runCli(['test', file, '--out-dir', dir], { cwd: dir });
  const result = JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8')) as RunResult;
  return { code: cli.code, result, junit: await readFile(path.join(dir, `${name}.xml`), 'utf8'), output: cli.stderr + cli.stdout };
}

describe('Janus acted on mid-run through the command driver', () => {
  it('examples/janus-restart.yaml passes: Janus restarted, every publisher and subscription back, outage, rejoin and recovery within the gate', async (context) => {
    if (!available) context.skip();
    const { code, result, junit, output } = await run('janus-restart');
    expect(code, output).toBe(0);
    // The driver restarted Janus: a new pid answered.
    const [restart] = result.sutEvents!;
    expect(result.sutEvents).toHaveLength(1);
    expect(restart).toMatchObject({ type: 'sut_restart', driver: 'command', action: 'restart', ok: true, exitCode: 0 });
    expect(restart.output).toMatch(/janus stopped \(pid \d+\)\njanus ready: .* \(pid \d+,/);
    expect(restart.startMs).toBeGreaterThanOrEqual(8_000);
    // Every publisher lost its session with the restart and joined again; so did every subscription.
    const participants = result.reconnects!.filter((c) => c.side === 'participant');
    const probe = result.reconnects!.filter((c) => c.side === 'probe');
    expect([...new Set(participants.map((c) => c.participantId))].sort()).toEqual([1001, 1002, 1003, 1004]);
    expect([...new Set(probe.map((c) => c.participantId))].sort()).toEqual([1001, 1002, 1003, 1004]);
    for (const c of [...participants, ...probe]) {
      expect(c.rejoinedAtMs, JSON.stringify(c)).not.toBeNull();
      expect(c.lostAtMs).toBeGreaterThanOrEqual(restart.startMs - 1_000);
      expect(c.attempts).toBeGreaterThanOrEqual(1);
    }
    // Janus gives what it forwards new SSRCs: each participant's stream is one stream under two.
    expect(result.streams).toHaveLength(8);
    for (const s of result.streams) expect(s.ssrcs?.length ?? 1, `${s.participantId}/${s.media}`).toBeGreaterThanOrEqual(2);
    // The outage was real (more than the restart's own gap of packets) and the gate held.
    const outages = result.streams.map((s) => s.duringSpikes.outage_seconds!);
    for (const outage of outages) expect(outage).toBeGreaterThan(1);
    const gate = Object.fromEntries(result.assertions.map((a) => [a.name, a]));
    expect(gate['during_spikes outage_seconds max < 9'].passed).toBe(true);
    expect(gate['during_spikes reconnect_seconds max < 6'].passed).toBe(true);
    expect(gate['recovery_seconds max <= 4'].passed).toBe(true);
    expect(junit).toMatch(/<testcase classname="avcm\.janus-restart\.sut" name="sut 0\.0 sut_restart: restart"/);
    expect(junit).not.toContain('<failure');
    const rejoin = participants.map((c) => (c.rejoinedAtMs! - c.lostAtMs) / 1000);
    console.log(
      `Janus restart (command driver, ${((restart.endMs - restart.startMs) / 1000).toFixed(1)} s): publishers back ${rejoin.map((s) => s.toFixed(1)).join(', ')} s after the loss; ` +
        `reconnect_seconds max ${gate['during_spikes reconnect_seconds max < 6'].measured}; outage per stream ${outages.map((o) => o.toFixed(2)).join(', ')} s; ` +
        `recovery_seconds max ${gate['recovery_seconds max <= 4'].measured}`,
    );
  }, 240_000);

  it('a stricter gate on the same restart fails with exit 1: the outage and rejoin measured against tighter limits, in the JSON and the JUnit', async (context) => {
    if (!available) context.skip();
    const { code, result, junit, output } = await run('janus-restart-strict', '  during_spikes:\n    outage_seconds: ["max < 1"]\n    reconnect_seconds: ["max < 0.2"]\n  recovery_seconds: ["max <= 4"]\n');
    expect(code, output).toBe(1);
    expect(result.status).toBe('failed');
    const outage = result.assertions.find((a) => a.metric === 'outage_seconds')!;
    expect(outage.passed).toBe(false);
    expect(outage.measured!).toBeGreaterThan(1);
    expect(outage.message).toMatch(/^measured [\d.]+ \(limit < 1\) over 8 streams$/);
    expect(junit).toMatch(/<failure message="during_spikes outage_seconds max &lt; 1: measured [\d.]+ \(limit &lt; 1\) over 8 streams; worst: participant 100\d (audio|video) [\d.]+[^"]*" type="AssertionFailed"/);
    // The restart itself succeeded: this run failed its gate, it did not error.
    expect(result.sutEvents!.every((e) => e.ok)).toBe(true);
    console.log(`Janus restart, strict gate: ${result.assertions.map((a) => `${a.name} -> ${a.measured} ${a.passed ? 'pass' : 'FAIL'}`).join('; ')}`);
  }, 240_000);

  it('Janus frozen (SIGSTOP) 9 s through the command driver: the clients notice the silence, join again once it runs, the outage is measured', async (context) => {
    if (!available) context.skip();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-janus-pause-'));
    const file = path.join(dir, 'janus-pause.yaml');
    const pid = `$(cat ${process.env.TMPDIR ?? '/tmp'}/avcm-janus-${HTTP_PORT}/janus.pid)`;
    await writeFile(
      file,
      `version: 1
name: janus-pause
seed: 3
duration: 26s
participants: { count: 3, transport: webrtc, base_port: 0 }
sfu: { kind: janus-videoroom, url: "http://127.0.0.1:${HTTP_PORT}/janus" }
sut:
  driver: command
  pause: kill -STOP ${pid}
  resume: kill -CONT ${pid}
spikes:
  - { type: sut_pause, at: 6s, duration: 9s }
assertions:
  during_spikes:
    outage_seconds: ["max < 20"]
    reconnect_seconds: ["max < 10"]
`,
    );
    const cli = await runCli(['test', file, '--out-dir', dir], { cwd: dir });
    const output = cli.stderr + cli.stdout;
    expect(cli.code, output).toBe(0);
    const result = JSON.parse(await readFile(path.join(dir, 'janus-pause.json'), 'utf8')) as RunResult;
    expect(result.sutEvents!.map((e) => [e.action, e.ok, e.exitCode])).toEqual([
      ['pause', true, 0],
      ['resume', true, 0],
    ]);
    // Nothing fails while Janus is frozen (its sockets stay open): the clients notice the silence.
    const participants = result.reconnects!.filter((c) => c.side === 'participant');
    expect([...new Set(participants.map((c) => c.participantId))].sort()).toEqual([1001, 1002, 1003]);
    for (const c of result.reconnects!) {
      expect(c.reason).toMatch(/^no packets from the far end for \d+\.\d s$/);
      expect(c.rejoinedAtMs, JSON.stringify(c)).not.toBeNull();
    }
    for (const s of result.streams) expect(s.duringSpikes.outage_seconds!).toBeGreaterThan(5);
    console.log(
      `Janus frozen 9 s: publishers lost their sessions at ${participants.map((c) => (c.lostAtMs / 1000).toFixed(1)).join(', ')} s and were back at ${participants.map((c) => (c.rejoinedAtMs! / 1000).toFixed(1)).join(', ')} s (resumed at ${(result.sutEvents![1].endMs / 1000).toFixed(1)} s); ` +
        `outage per stream ${result.streams.map((s) => s.duringSpikes.outage_seconds).join(', ')} s`,
    );
  }, 240_000);
});
