import type { Backend } from './backend.js';
import { DockerBackend } from './docker/index.js';
import { K8sBackend } from './k8s/index.js';
import { LocalBackend } from './local/index.js';
import { AVCM_VERSION } from '../version.js';

export type BackendFactory = (context: { baseDir: string; env: NodeJS.ProcessEnv }) => Backend;

export interface BackendChoices {
  /** Container image of avcm for docker and k8s (default `avcm:<version>`). */
  image?: string;
  /** Kubernetes namespace (default `avcm`). */
  namespace?: string;
  /** Leave containers / objects in place after the run. */
  keep?: boolean;
  /** Also deploy Prometheus and Grafana. */
  monitoring?: boolean;
}

/** The backends this build offers, by the name a scenario or `--backend` uses. Built by the CLI and passed down. */
export function defaultBackends(options: BackendChoices = {}): Record<string, BackendFactory> {
  const image = options.image ?? `avcm:${AVCM_VERSION}`;
  return {
    local: (context) => new LocalBackend(context),
    docker: (context) => new DockerBackend({ image, keep: options.keep, monitoring: options.monitoring, env: context.env, baseDir: context.baseDir }),
    k8s: (context) => new K8sBackend({ image, namespace: options.namespace ?? 'avcm', keep: options.keep, monitoring: options.monitoring, env: context.env }),
  };
}
