import { describe, expect, it } from 'vitest';
import { createParticipantChaos } from '../../../src/chaos/index.js';
import { compile } from '../../../src/plan/index.js';
import { DEFAULTS, loadScenarioSchema, parseScenarioText, scenarioFromText, validateLoaded, type Problem } from '../../../src/scenario/index.js';

const BASE = `version: 1
name: t
duration: 60s
participants:
  count: 4
`;

function problemsOf(yaml: string): Problem[] {
  return validateLoaded(parseScenarioText(yaml, 'case.yaml')).problems;
}

describe('sut_* spikes and the sut: section', () => {
  it('a sut_restart without a sut: section is a problem located at the spike type', () => {
    const problems = problemsOf(`${BASE}spikes:\n  - type: rtp_packet_loss\n    loss_percentage: 5\n  - type: sut_restart\n    at: 10s\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'case.yaml', path: '/spikes/1/type', line: 9, column: 11 });
    expect(problems[0].message).toBe('sut_restart acts on the system under test, but the scenario has no sut: section (add one with driver: command, docker or k8s)');
  });

  it('every sut_* spike without a section is reported, each at its own line', () => {
    const problems = problemsOf(`${BASE}spikes:\n  - { type: sut_pause, at: 5s }\n  - { type: sut_kill, at: 30s }\n`);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['/spikes/0/type', 7],
      ['/spikes/1/type', 8],
    ]);
  });

  it('the command driver must have the commands its spikes need', () => {
    const sut = 'sut:\n  driver: command\n  start: ./start.sh\n';
    const problems = problemsOf(`${BASE}${sut}spikes:\n  - { type: sut_restart, at: 5s }\n  - { type: sut_pause, at: 20s }\n  - { type: sut_kill, at: 40s }\n`);
    expect(problems.map((p) => p.message)).toEqual([
      'sut_restart needs a restart command, or both stop and start',
      'sut_pause needs both pause and resume commands',
      'sut_kill needs a kill (or stop) command',
    ]);
    expect(problems.every((p) => p.path === '/sut' && p.line === 7)).toBe(true);
    expect(problemsOf(`${BASE}sut:\n  driver: command\n  stop: ./stop.sh\n  start: ./start.sh\nspikes:\n  - { type: sut_restart, at: 5s }\n  - { type: sut_kill, at: 20s }\n`)).toEqual([]);
  });

  it('k8s sut_pause needs a deployment (pods cannot be frozen)', () => {
    const problems = problemsOf(`${BASE}sut: { driver: k8s, selector: app=janus }\nspikes:\n  - { type: sut_pause, at: 5s }\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('/sut');
    expect(problems[0].message).toMatch(/deployment/);
  });

  it('the schema holds each driver to its own fields', () => {
    expect(problemsOf(`${BASE}sut: { driver: docker }\n`).map((p) => p.message)).toEqual(['missing required property "container"']);
    const unknown = problemsOf(`${BASE}sut: { driver: docker, container: janus, restart: ./x.sh }\n`);
    expect(unknown).toHaveLength(1);
    expect(unknown[0].path).toMatch(/^\/sut/);
    expect(problemsOf(`${BASE}sut: { driver: k8s, selector: app=janus, namespace: Bad_NS }\n`)[0].path).toBe('/sut/namespace');
    // A sut_* spike takes no parameters of a network spike.
    expect(problemsOf(`${BASE}sut: { driver: docker, container: janus }\nspikes:\n  - { type: sut_pause, at: 5s, loss_percentage: 5 }\n`).length).toBeGreaterThan(0);
  });

  it('reconnect_seconds is measured after sut_* spikes: asserting it without any is a problem', () => {
    const problems = problemsOf(`${BASE}spikes:\n  - { type: rtp_packet_loss, at: 5s, loss_percentage: 5 }\nassertions:\n  during_spikes:\n    reconnect_seconds: ["max < 5"]\n    outage_seconds: ["max < 2"]\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: '/assertions/during_spikes/reconnect_seconds', line: 10 });
  });

  it('compiles: sut_* spikes are placed in the same timeline (distribution, spacing) and the plan carries the driver with its defaults', () => {
    const scenario = scenarioFromText(
      `${BASE}sut:\n  driver: command\n  pause: kill -STOP 1\n  resume: kill -CONT 1\n  timeout: 20s\nspikes:\n  - { type: sut_pause, count: 2, duration: 3s }\n  - { type: rtp_packet_loss, count: 2, duration: 3s, loss_percentage: 5 }\n`,
      'inline',
    );
    const plan = compile(scenario, { partitions: 1, cores: 1 });
    expect(plan.sut).toEqual({ driver: 'command', restart: null, stop: null, start: null, pause: 'kill -STOP 1', resume: 'kill -CONT 1', kill: null, cwd: null, timeoutMs: 20_000 });
    // Four events over one set of slots, interleaved: the SUT's and the network's share the run's timeline.
    const starts = plan.spikes.map((s) => s.startMs);
    expect(plan.spikes.filter((s) => s.type === 'sut_pause')).toHaveLength(2);
    expect(new Set(starts).size).toBe(4);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const pause = plan.spikes.find((s) => s.type === 'sut_pause')!;
    expect(pause.params).toEqual({});
    expect(pause.participantIds).toEqual(plan.participants.map((p) => p.id));
    const docker = compile(scenarioFromText(`${BASE}sut: { driver: docker, container: janus }\n`, 'inline'), { partitions: 1, cores: 1 });
    expect(docker.sut).toEqual({ driver: 'docker', container: 'janus', stopTimeoutMs: 10_000, timeoutMs: 60_000 });
  });

  it("the engines' chaos ignores sut_* spikes: a participant hit only by them has no chaos at all", () => {
    const scenario = scenarioFromText(`${BASE}sut: { driver: docker, container: janus }\nspikes:\n  - { type: sut_restart, at: 5s }\n`, 'inline');
    const plan = compile(scenario, { partitions: 1, cores: 1 });
    expect(plan.spikes[0].participantIds).toContain(1001);
    expect(createParticipantChaos(plan.spikes, 1001)).toBeNull();
  });

  it('the schema defaults of the sut section are the language defaults', () => {
    const schema = loadScenarioSchema() as { properties: { sut: { properties: { timeout: { default: string } }; allOf: { then: { properties: Record<string, { default?: string }> } }[] } } };
    const sut = schema.properties.sut;
    expect(sut.properties.timeout.default).toBe(DEFAULTS.sut.timeout);
    expect(sut.allOf[1].then.properties.stop_timeout.default).toBe(DEFAULTS.sut.stop_timeout);
    expect(sut.allOf[2].then.properties.namespace.default).toBe(DEFAULTS.sut.namespace);
  });
});
