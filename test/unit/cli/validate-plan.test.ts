import { readdirSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'avcm-cli-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('avcm validate', () => {
  it('every shipped scenario validates (YAML and TypeScript)', async () => {
    const run = await runCli(['validate', 'scenarios/']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const name of ['smoke', 'sfu-release-gate', 'trace-replay', 'ts-gate']) expect(run.stdout).toContain(`: ${name},`);
  });

  it('every example validates (they need outside systems to run, not to validate)', async () => {
    const run = await runCli(['validate', 'examples/']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const name of ['janus-gate', 'k8s-1500', 'release-gate']) expect(run.stdout).toContain(`: ${name},`);
  });

  it('globs expand', async () => {
    const run = await runCli(['validate', 'scenarios/*.yaml']);
    expect(run.code).toBe(0);
    const shipped = readdirSync(new URL('../../../scenarios/', import.meta.url)).filter((f) => f.endsWith('.yaml'));
    expect(shipped.length).toBeGreaterThanOrEqual(3);
    expect(run.stdout.trim().split('\n')).toHaveLength(shipped.length);
  });

  it('a target port past 65535 fails validation up front (exit 2), located', async () => {
    const file = tmpFile('port.yaml', 'version: 1\nname: port\nduration: 10s\nparticipants: { count: 1 }\ntarget: udp://127.0.0.1:99999\n');
    const run = await runCli(['validate', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/port\.yaml:5:9 \/target port 99999 is out of range: ports are 1\.\.65535, found "udp:\/\/127\.0\.0\.1:99999"/);
  });

  it('command-line addresses are checked like the scenario ones', async () => {
    const file = tmpFile('ok.yaml', 'version: 1\nname: ok\nduration: 10s\nparticipants: { count: 1 }\n');
    const test = await runCli(['test', file, '--target', 'udp://127.0.0.1:0']);
    expect(test.code).toBe(2);
    expect(test.stderr).toMatch(/port 0 is no port to send to/);
    const receive = await runCli(['receive', '--listen', 'udp://300.0.0.1:5002']);
    expect(receive.code).toBe(2);
    expect(receive.stderr).toMatch(/"300\.0\.0\.1" is not an IPv4 address/);
    const serve = await runCli(['serve', '--host', 'bad_host']);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toMatch(/not a host name/);
  });

  it('prints every problem as file:line:col /path message and exits 2, no stack', async () => {
    const file = tmpFile('bad.yaml', 'version: 1\nname: Bad\nduration: 10x\nparticipants: { count: 0 }\n');
    const run = await runCli(['validate', file]);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/bad\.yaml:2:7 \/name expected a name/);
    expect(lines[1]).toMatch(/bad\.yaml:3:11 \/duration expected a positive duration/);
    expect(lines[2]).toMatch(/bad\.yaml:4:24 \/participants\/count expected a number >= 1, found 0/);
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('a TypeScript scenario error is located in the source', async () => {
    const file = tmpFile(
      'bad.ts',
      "export default {\n  version: 1,\n  name: 'x',\n  duration: '10s',\n  participants: { count: -4 },\n};\n",
    );
    const run = await runCli(['validate', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.ts:5:\d+ \/participants\/count expected a number >= 1, found -4/);
  });

  it('a missing file is a usage error', async () => {
    const run = await runCli(['validate', 'nope.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no such file: nope\.yaml/);
  });
});

describe('avcm plan', () => {
  it('prints byte-identical JSON for the same seed and partitions, another for another seed', async () => {
    const a = await runCli(['plan', 'scenarios/sfu-release-gate.yaml', '--seed', '9', '--partitions', '3']);
    const b = await runCli(['plan', 'scenarios/sfu-release-gate.yaml', '--seed', '9', '--partitions', '3']);
    const c = await runCli(['plan', 'scenarios/sfu-release-gate.yaml', '--seed', '10', '--partitions', '3']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(c.stdout).not.toBe(a.stdout);
    const plan = JSON.parse(a.stdout);
    expect(plan).toMatchObject({ seed: 9, partitions: 3, scenario: 'sfu-release-gate' });
    expect(plan.participants).toHaveLength(50);
    expect(plan.spikes).toHaveLength(8);
  });

  it('rejects a bad option value with exit 2', async () => {
    const run = await runCli(['plan', 'scenarios/smoke.yaml', '--seed', 'abc']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/expected a whole number/);
  });
});

describe('avcm', () => {
  it('--help lists the verbs, --version prints the version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/validate/);
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
  it('an unknown verb is a usage error', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });
});
