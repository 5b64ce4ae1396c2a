export { composeProject, composeFiles, composeProjectName, type ComposeOptions } from './compose.js';
