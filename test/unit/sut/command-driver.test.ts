import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SutSpec } from '../../../src/plan/types.js';
import { CommandDriver, OUTPUT_TAIL_CHARS, runCommand } from '../../../src/sut/index.js';

const spec = (fields: Partial<Extract<SutSpec, { driver: 'command' }>>): Extract<SutSpec, { driver: 'command' }> => ({
  driver: 'command',
  restart: null,
  stop: null,
  start: null,
  pause: null,
  resume: null,
  kill: null,
  cwd: null,
  timeoutMs: 10_000,
  ...fields,
});
const context = { spikeId: '0.0', spikeType: 'sut_restart' as const };

describe('running a command', () => {
  it('reports its exit code and the tail of stdout and stderr together', async () => {
    const result = await runCommand('echo out; echo err >&2; exit 7', { cwd: os.tmpdir(), env: process.env, timeoutMs: 10_000 });
    expect(result).toMatchObject({ exitCode: 7, timedOut: false, spawnError: null });
    expect(result.output).toContain('out');
    expect(result.output).toContain('err');
  });

  it('keeps only the end of a long output', async () => {
    const result = await runCommand(`i=0; while [ $i -lt 3000 ]; do echo "line $i"; i=$((i+1)); done`, { cwd: os.tmpdir(), env: process.env, timeoutMs: 20_000 });
    expect(result.output.length).toBeLessThanOrEqual(OUTPUT_TAIL_CHARS);
    expect(result.output.trimEnd().endsWith('line 2999')).toBe(true);
  });

  it('kills the whole process group at the timeout (a child the shell started too)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-sut-'));
    const marker = path.join(dir, 'survived');
    const result = await runCommand(`(sleep 2; touch ${marker}) & sleep 30`, { cwd: dir, env: process.env, timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    await new Promise((r) => setTimeout(r, 2_500));
    await expect(readFile(marker)).rejects.toThrow();
  }, 15_000);

  it('returns when the shell exits although a daemon it started keeps its output open', async () => {
    const started = Date.now();
    const result = await runCommand('sleep 5 & echo started', { cwd: os.tmpdir(), env: process.env, timeoutMs: 4_000 });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(result.output).toContain('started');
    expect(Date.now() - started).toBeLessThan(4_000);
  }, 15_000);
});

describe('the command driver', () => {
  it('restarts with stop then start when there is no restart command, in the scenario folder, with the action in the environment', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-sut-'));
    const driver = new CommandDriver(spec({ stop: 'echo "stop $AVCM_SUT_ACTION $AVCM_SPIKE_ID" >> log', start: 'echo "start $AVCM_SPIKE_TYPE" >> log' }), { baseDir: dir, env: process.env });
    const outcome = await driver.run('restart', context);
    expect(outcome).toMatchObject({ ok: true, exitCode: 0, error: null, detail: 'echo "stop $AVCM_SUT_ACTION $AVCM_SPIKE_ID" >> log ; echo "start $AVCM_SPIKE_TYPE" >> log' });
    expect(await readFile(path.join(dir, 'log'), 'utf8')).toBe('stop restart 0.0\nstart sut_restart\n');
  });

  it('a command that fails stops the action: exit code, output and the reason are reported, the next command does not run', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-sut-'));
    const driver = new CommandDriver(spec({ stop: 'echo "janus: no such process" >&2; exit 3', start: 'touch started' }), { baseDir: dir, env: process.env });
    const outcome = await driver.run('restart', context);
    expect(outcome).toMatchObject({ ok: false, exitCode: 3, error: 'stop command exited with 3' });
    expect(outcome.output).toContain('janus: no such process');
    await expect(readFile(path.join(dir, 'started'))).rejects.toThrow();
  });

  it('a command that outlives the timeout fails the action', async () => {
    const driver = new CommandDriver(spec({ pause: 'sleep 10', timeoutMs: 300 }), { baseDir: os.tmpdir(), env: process.env });
    expect(await driver.run('pause', context)).toMatchObject({ ok: false, exitCode: null, error: 'pause command did not finish within 0.3s and was killed' });
  });

  it('says which actions it can do: sut_kill falls back to stop, and brings the SUT back only with start', () => {
    const driver = new CommandDriver(spec({ stop: 'true' }), { baseDir: os.tmpdir(), env: process.env });
    expect(['restart', 'stop', 'start', 'pause', 'resume', 'kill'].filter((a) => driver.supports(a as never))).toEqual(['stop', 'kill']);
  });

  it('runs in cwd relative to the scenario folder', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-sut-'));
    const driver = new CommandDriver(spec({ restart: 'pwd', cwd: '..' }), { baseDir: dir, env: process.env });
    expect((await driver.run('restart', context)).output.trim()).toBe(path.dirname(dir));
  });
});
