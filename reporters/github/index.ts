/** What avcm shows where GitHub Actions users look: the job summary and annotations on the scenario file. */
export { renderJobSummary } from './job-summary.js';
export { renderAnnotations, workspacePath, type AnnotationPaths } from './annotations.js';
export { errorCommand, type AnnotationAt } from './workflow-commands.js';
