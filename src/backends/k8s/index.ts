export {
  kubernetesManifests,
  secretObject,
  clusterTarget,
  engineMemoryMiB,
  participantsPerPartition,
  prometheusConfig,
  type K8sObject,
  type ManifestOptions,
} from './manifests.js';
export * as k8sNames from './names.js';
export { labelValue } from './names.js';
export { manifestFiles } from './manifest-files.js';
