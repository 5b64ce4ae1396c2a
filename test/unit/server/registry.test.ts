import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics/index.js';
import { scenarioFromText } from '../../../src/scenario/index.js';
import { RunRegistry } from '../../../src/server/index.js';
import { FakeRunner } from './fake-runner.js';

const scenario = scenarioFromText('version: 1\nname: r\nduration: 10s\nparticipants: { count: 1, base_port: 0 }\n', 'inline');
const reportsDir = path.join(os.tmpdir(), `avcm-registry-${process.pid}`);

describe('RunRegistry', () => {
  it('stopAll stops every run in flight with the signal and waits for their partial reports', async () => {
    const metrics = createMetrics();
    const runner = new FakeRunner();
    const registry = new RunRegistry(runner, { reportsDir, maxConcurrentRuns: 3, metrics });
    const a = registry.submit(scenario, 'runs');
    const b = registry.submit(scenario, 'runs');
    const created = registry.create(scenario, 'test', 'later');
    runner.run(a.id).begin();
    await registry.stopAll('SIGTERM');
    expect(runner.run(a.id).stopReason).toBe('SIGTERM');
    expect(runner.run(b.id).stopReason).toBe('SIGTERM');
    expect(registry.get(a.id).outcome?.result.status).toBe('aborted');
    expect(registry.get(a.id).state).toBe('cancelled');
    expect(registry.active()).toEqual([]);
    expect(created.state).toBe('created');
    metrics.close();
  });

  it('forgets the oldest finished runs past the retention limit, never an active one', async () => {
    const metrics = createMetrics();
    const runner = new FakeRunner();
    const registry = new RunRegistry(runner, { reportsDir, maxConcurrentRuns: 10, metrics, maxRetainedRuns: 3 });
    const active = registry.submit(scenario, 'runs', 'active');
    for (const id of ['f1', 'f2', 'f3']) {
      registry.submit(scenario, 'runs', id);
      await runner.run(id).finish('passed');
    }
    registry.create(scenario, 'test', 'new');
    const ids = registry.list().map((e) => e.id);
    expect(ids).toContain('active');
    expect(ids).toContain('new');
    expect(ids).not.toContain('f1');
    expect(ids.length).toBeLessThanOrEqual(3);
    expect(active.state).toBe('queued');
    metrics.close();
  });

  it('gives runs side by side their own ports: a fixed range another run in flight holds is refused with 409, ephemeral ones never clash', async () => {
    const metrics = createMetrics();
    const runner = new FakeRunner();
    const registry = new RunRegistry(runner, { reportsDir, maxConcurrentRuns: 10, metrics });
    const fixed = (name: string, basePort: number) => scenarioFromText(`version: 1\nname: ${name}\nduration: 10s\nparticipants: { count: 3, base_port: ${basePort} }\nscaling: { partitions: 1 }\n`, 'inline');
    const ephemeral = scenarioFromText('version: 1\nname: e\nduration: 10s\nparticipants: { count: 3 }\n', 'inline');
    const first = registry.submit(fixed('first', 41000), 'runs');
    expect(first.ports).toEqual([{ first: 41000, last: 41002 }]);
    const refused = (() => {
      try {
        registry.submit(fixed('second', 41002), 'runs');
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(refused).toMatchObject({ statusCode: 409, code: 'E_PORTS', path: 'body/participants/base_port' });
    expect((refused as Error).message).toMatch(new RegExp(`binds ports 41002 that run ${first.id} \\(first, queued\\) holds; leave participants.base_port out`));
    expect(registry.list()).toHaveLength(1); // nothing registered for the refused one
    // Four runs with ephemeral ports and one with a range of its own all run side by side.
    for (let i = 0; i < 4; i++) expect(registry.submit(ephemeral, 'runs').ports).toEqual([]);
    registry.submit(fixed('third', 42000), 'runs');
    // Once the first run ended its range is free again.
    await runner.run(first.id).finish('passed');
    expect(registry.submit(fixed('again', 41000), 'runs').state).toBe('queued');
    metrics.close();
  });

  it('a local target is a fixed probe port too', () => {
    const metrics = createMetrics();
    const registry = new RunRegistry(new FakeRunner(), { reportsDir, maxConcurrentRuns: 10, metrics });
    const withTarget = scenarioFromText('version: 1\nname: t\nduration: 10s\nparticipants: { count: 1 }\ntarget: udp://127.0.0.1:45002\n', 'inline');
    registry.submit(withTarget, 'runs');
    expect(() => registry.submit(withTarget, 'runs')).toThrow(/binds ports 45002/);
    metrics.close();
  });
});

