import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const copies: string[] = [];
afterAll(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** What npm gives install scripts: the path of its own node-gyp. */
function npmNodeGyp(): string {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  const globalRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
  return path.join(globalRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
}

/** The install script as npm runs it, in a copy of what the package ships (the repo's build/ stays untouched). */
function runInstall(env: Record<string, string>, withPrebuilt: boolean) {
  const dir = mkdtempSync(path.join(tmpdir(), 'avcm-install-'));
  copies.push(dir);
  for (const item of ['package.json', 'binding.gyp', 'native', 'scripts/install-native.mjs', ...(withPrebuilt ? ['prebuilds'] : [])]) {
    cpSync(path.join(root, item), path.join(dir, item), { recursive: true });
  }
  const run = spawnSync(process.execPath, ['scripts/install-native.mjs'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, npm_config_node_gyp: npmNodeGyp(), ...env },
  });
  return { dir, status: run.status, lines: run.stdout.trim().split('\n'), stderr: run.stderr };
}

describe('scripts/install-native.mjs (the install step of npm install)', () => {
  it('builds build/Release/avcm_udp.node, which loads', () => {
    const { dir, status, lines } = runInstall({}, false);
    expect(status).toBe(0);
    expect(lines).toEqual(['avcm: built the batched UDP addon (build/Release/avcm_udp.node)']);
    const binding = createRequire(import.meta.url)(path.join(dir, 'build/Release/avcm_udp.node')) as { FLUSH_NAMES: string[] };
    expect(binding.FLUSH_NAMES).toContain('packetsSent');
  });

  it('without a C compiler: one line naming the fallback, and the install succeeds', () => {
    const withPrebuilt = runInstall({ CC: '/nonexistent/cc' }, true);
    expect(withPrebuilt.status).toBe(0);
    expect(withPrebuilt.lines).toEqual(['avcm: could not build the batched UDP addon (no C compiler); using the prebuilt prebuilds/linux-x64 binary']);
    expect(existsSync(path.join(withPrebuilt.dir, 'build/Release/avcm_udp.node'))).toBe(false);
    const without = runInstall({ CC: '/nonexistent/cc' }, false);
    expect(without.status).toBe(0);
    expect(without.lines).toEqual(['avcm: could not build the batched UDP addon (no C compiler); avcm falls back to node:dgram']);
  });

  it('without node-gyp: one line, the install succeeds', () => {
    const { status, lines } = runInstall({ npm_config_node_gyp: '', PATH: '/nonexistent' }, true);
    expect(status).toBe(0);
    expect(lines).toEqual(['avcm: could not build the batched UDP addon (node-gyp not found); using the prebuilt prebuilds/linux-x64 binary']);
  });
});
