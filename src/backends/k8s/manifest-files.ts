import { stringify } from 'yaml';
import type { K8sObject } from './manifests.js';

/** Files in apply order: `kubectl apply -f DIR` applies them alphabetically. */
const GROUP_FILES: Record<string, string> = {
  namespace: '00-namespace.yaml',
  plan: '10-plan.yaml',
  orchestrator: '20-orchestrator.yaml',
  probe: '30-probe.yaml',
  relay: '40-relay.yaml',
  turn: '50-coturn.yaml',
  monitoring: '60-monitoring.yaml',
  prometheus: '60-monitoring.yaml',
  grafana: '60-monitoring.yaml',
};

function groupOf(object: K8sObject): string {
  if (object.kind === 'Namespace') return 'namespace';
  return object.metadata.labels?.['app.kubernetes.io/component'] ?? 'other';
}

/**
 * Groups objects into one multi-document YAML file per component (namespace, plan, engines,
 * probe, relay, coturn, monitoring), named so that alphabetical order is apply order.
 */
export function manifestFiles(objects: K8sObject[], header = ''): { file: string; text: string }[] {
  const files = new Map<string, K8sObject[]>();
  for (const object of objects) {
    const file = GROUP_FILES[groupOf(object)] ?? '90-other.yaml';
    const list = files.get(file) ?? [];
    list.push(object);
    files.set(file, list);
  }
  return [...files.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, list]) => ({ file, text: header + list.map((o) => stringify(o, { lineWidth: 0 })).join('---\n') }));
}
