export { composeProject, composeFiles, composeProjectName, probeAndTarget, COMPOSE_PROBE_PORT, type ComposeOptions } from './compose.js';
export { DockerBackend, RUN_ID_LABEL, type DockerBackendOptions } from './docker-backend.js';
export { DockerClient, SutContainer, dockerEndpoint, demuxLogs, type ContainerState, type ContainerUsage } from './docker-client.js';
export { engineContainers, probeContainer, monitoringContainers, runFiles, METRICS_BASE_PORT, type RunContainer } from './run-containers.js';
