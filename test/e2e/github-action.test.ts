import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The composite action (action.yml), run as GitHub's runner runs it, in a simulated Actions
// environment: the runner's variables and files (step summary, outputs, PATH additions), inputs
// substituted into `${{ inputs.* }}`, every `run:` step executed with bash in its working
// directory. `uses:` steps are the runner's business (setup-node) and are switched off by input.
// The action's checkout is a built copy of this repository, as the runner would have it.

const REPO = path.resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
}
interface Action {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

/** Replaces `${{ inputs.x }}` / `${{ steps.id.outputs.x }}`; other expressions are not used by the action. */
function expand(text: string, inputs: Record<string, string>, outputs: Record<string, Record<string, string>>): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(expression);
    if (input) return inputs[input[1]] ?? '';
    const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression);
    if (output) return outputs[output[1]]?.[output[2]] ?? '';
    throw new Error(`expression not simulated: ${expression}`);
  });
}

/** The `if:` conditions the action uses: `inputs.x == 'value'`. */
function condition(text: string | undefined, inputs: Record<string, string>): boolean {
  if (text === undefined) return true;
  const match = /^inputs\.([\w-]+)\s*==\s*'([^']*)'$/.exec(text.trim());
  if (!match) throw new Error(`condition not simulated: ${text}`);
  return inputs[match[1]] === match[2];
}

async function runAction(given: Record<string, string>, workspace: string): Promise<{ code: number; log: string; summary: string; outputs: Record<string, string>; path: string }> {
  const action = parse(await readFile(path.join(actionPath, 'action.yml'), 'utf8')) as Action;
  expect(action.runs.using).toBe('composite');
  const inputs = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, given[k] ?? v.default ?? '']));
  const runner = await mkdtemp(path.join(os.tmpdir(), 'avcm-runner-'));
  const files = { summary: path.join(runner, 'summary.md'), output: path.join(runner, 'output'), path: path.join(runner, 'path') };
  for (const file of Object.values(files)) await writeFile(file, '');
  const stepOutputs: Record<string, Record<string, string>> = {};
  let log = '';
  for (const step of action.runs.steps) {
    if (!condition(step.if, inputs)) continue;
    expect(step.uses, `step "${step.name}" needs the runner`).toBeUndefined();
    expect(step.shell).toBe('bash');
    await writeFile(files.output, '');
    const env = {
      ...process.env,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_ACTION_PATH: actionPath,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_OUTPUT: files.output,
      GITHUB_PATH: files.path,
      RUNNER_TEMP: runner,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), inputs, stepOutputs)])),
    };
    const cwd = path.resolve(workspace, expand(step['working-directory'] ?? '.', inputs, stepOutputs));
    try {
      const { stdout, stderr } = await exec('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', expand(step.run!, inputs, stepOutputs)], { cwd, env, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
      log += stdout + stderr;
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      log += (e.stdout ?? '') + (e.stderr ?? '');
      const outputs = Object.fromEntries((await readFile(files.output, 'utf8')).split('\n').filter(Boolean).map((l) => l.split('=', 2) as [string, string]));
      if (step.id) stepOutputs[step.id] = outputs;
      return { code: e.code ?? 1, log, summary: await readFile(files.summary, 'utf8'), outputs: expandOutputs(action, stepOutputs), path: await readFile(files.path, 'utf8') };
    }
    if (step.id) stepOutputs[step.id] = Object.fromEntries((await readFile(files.output, 'utf8')).split('\n').filter(Boolean).map((l) => l.split('=', 2) as [string, string]));
  }
  return { code: 0, log, summary: await readFile(files.summary, 'utf8'), outputs: expandOutputs(action, stepOutputs), path: await readFile(files.path, 'utf8') };

  function expandOutputs(a: Action, steps: Record<string, Record<string, string>>): Record<string, string> {
    return Object.fromEntries(Object.entries(a.outputs).map(([k, v]) => [k, expand(v.value, inputs, steps)]));
  }
}

let workspace: string;
/** The action's checkout, as the runner puts it at $GITHUB_ACTION_PATH: built, with its dependencies. */
let actionPath: string;
beforeAll(async () => {
  // Built into a folder of its own (tests running next to this one keep the repository's dist/);
  // the dependencies, schema, media and addon binaries are the repository's, linked.
  actionPath = await mkdtemp(path.join(os.tmpdir(), 'avcm-action-'));
  await exec(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', path.join(actionPath, 'dist')], { cwd: REPO, timeout: 300_000 });
  for (const file of ['action.yml', 'package.json']) await cp(path.join(REPO, file), path.join(actionPath, file));
  for (const dir of ['bin', 'scripts']) await cp(path.join(REPO, dir), path.join(actionPath, dir), { recursive: true });
  for (const dir of ['node_modules', 'schemas', 'media', 'reporters', 'prebuilds']) await symlink(path.join(REPO, dir), path.join(actionPath, dir));
  workspace = await mkdtemp(path.join(os.tmpdir(), 'avcm-workspace-'));
  const gate = (loss: number) =>
    `version: 1\nname: pr-gate\nseed: 3\nduration: 5s\nparticipants: { count: 2, base_port: 0 }\nscaling: { partitions: 1 }\nspikes:\n  - { type: rtp_packet_loss, at: 1s, duration: 3s, loss_percentage: ${loss} }\nassertions:\n  packet_loss_percent: ["avg <= baseline + 1"]\n  frame_rate_fps: ["avg > 20"]\nhealth: { inconclusive: false }\n`;
  await writeFile(path.join(workspace, 'gate.yaml'), gate(1));
  await writeFile(path.join(workspace, 'worse.yaml'), gate(30));
}, 360_000);

describe('the GitHub Action (action.yml), in a simulated Actions environment', () => {
  it('first run on main: no baseline yet, relative assertions skipped, reports written, avcm on PATH, exit-code output', async () => {
    const r = await runAction({ scenarios: 'gate.yaml', baseline: 'last-release/', 'baseline-optional': 'true', 'out-dir': 'release', 'setup-node': 'false' }, workspace);
    expect(r.code, r.log).toBe(0);
    expect(r.outputs).toEqual({ 'exit-code': '0', 'out-dir': 'release' });
    expect(r.log).toMatch(/no baseline at last-release\/ yet/);
    expect(r.path.trim()).toBe(path.join(path.dirname(r.path.trim()), 'avcm-bin'));
    const report = JSON.parse(await readFile(path.join(workspace, 'release', 'pr-gate.json'), 'utf8')) as { assertions: { skipped?: boolean }[] };
    expect(report.assertions[0].skipped).toBe(true);
    expect(r.summary).toContain('### ✅ avcm: pr-gate PASSED');
    expect(r.summary).toMatch(/\| ⏭️ \| `packet_loss_percent avg <= baseline \+ 1` \(line 10\) \|/);
  }, 300_000);

  it('a pull request that got worse: exit code 1 from the step, ::error annotations on the line, the job summary says why', async () => {
    const r = await runAction({ scenarios: 'worse.yaml', baseline: 'release/', 'out-dir': 'pr', 'setup-node': 'false' }, workspace);
    expect(r.code).toBe(1);
    expect(r.outputs['exit-code']).toBe('1');
    expect(r.log).toMatch(/^::error file=worse\.yaml,line=10,col=\d+,title=avcm%3A pr-gate failed::packet_loss_percent avg <= baseline \+ 1: measured/m);
    expect(r.summary).toContain('### ❌ avcm: pr-gate FAILED');
    expect(r.summary).toContain('Compared with `release/pr-gate.json`');
    expect(r.summary).toMatch(/\*\*Worst streams\*\*/);
  }, 300_000);

  it("the README's workflow uses this action with the inputs it declares", async () => {
    const readme = await readFile(path.join(REPO, 'README.md'), 'utf8');
    const workflow = /## In CI: gate an SFU release with GitHub Actions[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)![1];
    const doc = parse(workflow) as { jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown>; run?: string }[] }> };
    const action = parse(await readFile(path.join(REPO, 'action.yml'), 'utf8')) as Action;
    const steps = Object.values(doc.jobs).flatMap((j) => j.steps);
    const ours = steps.filter((s) => s.uses?.startsWith('avcm-dev/avcm@'));
    expect(ours.length).toBeGreaterThan(0);
    for (const s of ours) for (const key of Object.keys(s.with ?? {})) expect(Object.keys(action.inputs), key).toContain(key);
    // No package named avcm exists on the registry (yet): the workflow must not ask for one.
    expect(workflow).not.toMatch(/npx (--yes )?avcm|npm (install|i) avcm\b/);
  });
});
