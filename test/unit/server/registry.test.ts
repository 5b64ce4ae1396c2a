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
});
