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
    const dashboard = JSON.parse(readFileSync(new URL('monitoring/grafana-dashboard.json', root), 'utf8')) as { panels: { id: number; title: string; targets: { expr: string }[] }[] };
    const metrics = createMetrics();
    const exposed = (await metrics.render()).body;
    metrics.close();
    const namesIn = (expr: string): string[] => [...expr.matchAll(/(av_chaos_monkey|avcm)_[a-z_]+/g)].map((m) => m[0]);
    const queried = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => namesIn(t.expr)));
    expect(queried.length).toBeGreaterThanOrEqual(20);
    for (const name of queried) expect(exposed, name).toContain(`# TYPE ${name} `);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    // What the viewer saw sits next to the wire figure it recovered from, in one panel.
    const panelOf = (name: string) => dashboard.panels.filter((p) => p.targets.some((t) => namesIn(t.expr).includes(name)));
    expect(panelOf('avcm_probe_residual_loss_percent')).toEqual(panelOf('av_chaos_monkey_packet_loss_percent'));
    expect(panelOf('avcm_probe_residual_loss_percent')).toHaveLength(1);
    for (const name of ['avcm_probe_freezes_total', 'avcm_rtt_seconds', 'avcm_probe_nacks_sent_total', 'avcm_sender_retransmissions_sent_total']) expect(panelOf(name), name).toHaveLength(1);
  });
});
