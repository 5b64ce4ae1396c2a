import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The package as a user gets it before any release exists: `npm pack` in the repository, then
// `npm install avcm-<version>.tgz` in an empty folder elsewhere, and avcm run from there. Its
// dependencies come from the registry (or npm's cache); nothing is read from the repository.

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../..');

async function sh(command: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: 'true', npm_config_update_notifier: 'false' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

describe('the npm package, installed from its tarball into an empty folder', () => {
  it('installs, and `npx avcm validate` / `npx avcm test` run the shipped scenarios without the repository; the native addon loads', async () => {
    const packs = await mkdtemp(path.join(os.tmpdir(), 'avcm-pack-'));
    const packed = await sh('npm', ['pack', '--pack-destination', packs, '--silent'], REPO, 300_000);
    expect(packed.code, packed.stderr).toBe(0);
    const tarball = path.join(packs, (await readdir(packs)).find((f) => f.endsWith('.tgz'))!);

    const app = await mkdtemp(path.join(os.tmpdir(), 'avcm-user-'));
    const installed = await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app, 600_000);
    expect(installed.code, installed.stderr).toBe(0);
    const pkg = path.join(app, 'node_modules', 'avcm');
    // What the registry needs and what avcm reads at run time came along; the sources and tests did not.
    const manifest = JSON.parse(await readFile(path.join(pkg, 'package.json'), 'utf8')) as Record<string, unknown>;
    for (const field of ['files', 'bin', 'engines', 'repository', 'keywords', 'license']) expect(manifest[field], field).toBeDefined();
    for (const file of ['dist/src/cli/main.js', 'schemas/scenario.schema.json', 'media/default/talk.h264', 'reporters/html/vendor/uPlot.iife.min.js', 'traces/lte-handover.csv', 'prebuilds/linux-x64/avcm.glibc.node']) {
      expect(existsSync(path.join(pkg, file)), file).toBe(true);
    }
    expect(existsSync(path.join(pkg, 'src'))).toBe(false);
    expect(existsSync(path.join(pkg, 'test'))).toBe(false);

    const validate = await sh('npx', ['--no-install', 'avcm', 'validate', 'node_modules/avcm/scenarios/'], app, 120_000);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/ok node_modules\/avcm\/scenarios\/smoke\.yaml: smoke,/);
    expect(validate.stdout).toMatch(/ok node_modules\/avcm\/scenarios\/trace-replay\.yaml: trace-replay,/); // its traces ship too
    expect(validate.stdout).toMatch(/ok node_modules\/avcm\/scenarios\/gate\.ts: ts-gate,/); // a TS scenario importing 'avcm'

    const test = await sh('npx', ['--no-install', 'avcm', 'test', 'node_modules/avcm/scenarios/smoke.yaml', '--out-dir', 'reports', '--quiet'], app, 180_000);
    expect(test.code, test.stderr + test.stdout).toBe(0);
    expect(test.stdout).toMatch(/smoke: PASSED/);
    const report = JSON.parse(await readFile(path.join(app, 'reports', 'smoke.json'), 'utf8')) as { status: string; file: string };
    expect(report.status).toBe('passed');

    // The batched UDP addon: built by the install script where a compiler is (here), else the
    // prebuilt binary shipped in prebuilds/ (checked by taking the built one away).
    const loadNative = async () => {
      const native = await sh(process.execPath, ['--input-type=module', '-e', "const m = await import('./node_modules/avcm/dist/src/io/index.js'); const r = m.loadBatchedUdp(); console.log(JSON.stringify(r.available ? { available: true, path: r.udp.binaryPath } : r));"], app, 60_000);
      expect(native.code, native.stderr).toBe(0);
      return JSON.parse(native.stdout) as { available: boolean; path?: string; reason?: string };
    };
    expect(await loadNative()).toMatchObject({ available: true });
    await rm(path.join(pkg, 'build'), { recursive: true, force: true });
    expect(await loadNative()).toEqual({ available: true, path: expect.stringContaining(path.join('prebuilds', 'linux-x64')) });
    await rm(app, { recursive: true, force: true });
    await rm(packs, { recursive: true, force: true });
  }, 1_200_000);
});
