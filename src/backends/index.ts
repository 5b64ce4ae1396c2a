export type { Backend, EngineTotals, LaunchOptions, PartitionHealth, RunHandle } from './backend.js';
export { LocalBackend, selfCommand } from './local/index.js';
export { defaultBackends, type BackendFactory } from './registry.js';
export { K8sBackend, connectCluster, kubernetesManifests, type K8sObject } from './k8s/index.js';
export { DockerBackend, DockerClient, composeProject } from './docker/index.js';
