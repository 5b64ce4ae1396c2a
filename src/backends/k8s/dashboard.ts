import { readFileSync } from 'node:fs';
import { packagePath } from '../../package-root.js';

let cached: unknown = null;

/**
 * The shipped Grafana dashboard (`monitoring/grafana-dashboard.json`), provisioned into the
 * cluster's Grafana. Read once per process; the file is part of the package, so output stays pure.
 */
export function grafanaDashboard(): unknown {
  if (cached === null) cached = JSON.parse(readFileSync(packagePath('monitoring/grafana-dashboard.json'), 'utf8')) as unknown;
  return cached;
}
