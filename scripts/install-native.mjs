#!/usr/bin/env node
// `npm install`'s install step: builds the batched UDP addon (native/, binding.gyp) with node-gyp.
// It never fails the install: without python3, make or a C compiler it prints one line and avcm
// uses the prebuilt binary (prebuilds/linux-x64) or, where there is none, node:dgram.
// Plain JavaScript on purpose: it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const prebuiltDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const hasPrebuilt = existsSync(prebuiltDir) && readdirSync(prebuiltDir).some((f) => f.endsWith('.node'));
const fallback = hasPrebuilt ? `using the prebuilt ${path.relative(root, prebuiltDir)} binary` : 'avcm falls back to node:dgram';

if (process.platform !== 'linux') {
  console.log(`avcm: batched UDP I/O is Linux-only; ${process.platform} uses node:dgram`);
  process.exit(0);
}

// npm puts its own node-gyp in the environment of install scripts; outside npm, try PATH.
const nodeGyp = process.env.npm_config_node_gyp;
const command = nodeGyp ? process.execPath : 'node-gyp';
const args = nodeGyp ? [nodeGyp, 'rebuild'] : ['rebuild'];
// Node's headers next to this node (Debian's /usr, the official tarballs and images) spare
// node-gyp a download, so the build also works offline.
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}

const run = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 300_000, env: process.env });
if (run.status === 0) {
  console.log('avcm: built the batched UDP addon (build/Release/avcm_udp.node)');
  process.exit(0);
}
console.log(`avcm: could not build the batched UDP addon (${reason(run)}); ${fallback}`);
process.exit(0);

function reason(result) {
  if (result.error) return result.error.code === 'ENOENT' ? 'node-gyp not found' : result.error.message;
  // node-gyp's own progress lines ("gyp info ...") mention Python and compilers even when all is well.
  const lines = `${result.stdout ?? ''}\n${result.stderr ?? ''}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('gyp info') && !l.startsWith('gyp ERR! stack at'));
  const output = lines.join('\n');
  if (/^gyp ERR! find Python/m.test(output)) return 'python3 not found';
  if (/spawn make ENOENT|not found: make|make: (not found|No such file)/.test(output)) return 'make not found';
  if (/\b(cc|gcc|g\+\+|clang)'?:? (not found|command not found)|No such file or directory: '[^']*\b(cc|gcc|clang)'|(cc|gcc): No such file/.test(output)) return 'no C compiler';
  if (/network connectivity|headers\.tar\.gz/.test(output)) return "Node's headers are not installed and could not be downloaded";
  const error = lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? `exit ${result.status}`;
  return error.length > 160 ? `${error.slice(0, 157)}...` : error;
}
