import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics/index.js';

const root = new URL('../../../', import.meta.url);

describe('shipped monitoring', () => {
  it('the Prometheus scrape config passes promtool check config', () => {
    const check = spawnSync('promtool', ['check', 'config', new URL('monitoring/prometheus.yml', root).pathname], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('every metric the Grafana dashboard queries is one avcm exposes', async () => {
    const dashboard = JSON.parse(readFileSync(new URL('monitoring/grafana-dashboard.json', root), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const metrics = createMetrics();
    const exposed = (await metrics.render()).body;
    metrics.close();
    const queried = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr.match(/(av_chaos_monkey|avcm)_[a-z_]+/)![0]));
    expect(queried.length).toBeGreaterThanOrEqual(9);
    for (const name of queried) expect(exposed, name).toContain(`# TYPE ${name} `);
  });
});
