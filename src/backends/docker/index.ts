export { composeProject, composeFiles, composeProjectName, type ComposeOptions } from './compose.js';
export { DockerBackend, checkDocker, type DockerBackendOptions } from './docker-backend.js';
