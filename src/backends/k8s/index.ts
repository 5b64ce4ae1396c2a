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
export { K8sBackend, connectCluster, type K8sBackendOptions } from './k8s-backend.js';
export { RemotePartitions } from './remote-partitions.js';
export { probeReportFromLog, PROBE_REPORT_MARKER } from '../../probe/index.js';
export { K8sWorkloads } from './workloads.js';
