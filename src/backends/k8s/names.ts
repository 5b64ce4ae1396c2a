/**
 * Names, ports and labels shared by the generated manifests, the k8s backend and the static YAML
 * in `k8s/`. One place so the backend finds exactly what the manifests created.
 */
export const ORCHESTRATOR = 'orchestrator';
export const PROBE = 'avcm-probe';
export const RELAY = 'avcm-relay';
export const TURN = 'avcm-coturn';
export const PROMETHEUS = 'avcm-prometheus';
export const GRAFANA = 'avcm-grafana';
export const PLAN_CONFIGMAP = 'avcm-plan';

/** The probe's UDP port inside the cluster (the participants' target when the plan has none). */
export const PROBE_PORT = 5002;
/** The cluster side of `avcm relay tcp-to-udp`, reached through `kubectl port-forward`. */
export const RELAY_TCP_PORT = 7000;
export const TURN_PORT = 3478;
/** Each engine pod serves its Prometheus metrics here. */
export const METRICS_PORT = 9464;
export const PLAN_MOUNT_DIR = '/etc/avcm';
export const PLAN_FILE = `${PLAN_MOUNT_DIR}/plan.json`;

/**
 * Secrets the manifests reference but never contain: the runner creates them at apply time
 * (`AVCM_TURN_SECRET` / `AVCM_GRAFANA_PASSWORD`, else random bytes), kubectl users with
 * `kubectl create secret generic` (see k8s/README.md).
 */
export const TURN_SECRET = { name: 'avcm-turn', key: 'static-auth-secret' } as const;
export const GRAFANA_SECRET = { name: 'avcm-grafana', key: 'admin-password' } as const;

export const RUN_ID_LABEL = 'avcm.dev/run-id';

/** Labels that select one component of one run. */
export function componentLabels(component: string, runId: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'avcm', 'app.kubernetes.io/component': component, [RUN_ID_LABEL]: runId };
}

/** A Kubernetes label value from free text: [A-Za-z0-9._-], at most 63, alphanumeric at both ends. */
export function labelValue(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned || 'run';
}
