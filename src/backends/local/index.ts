export { LocalBackend } from './local-backend.js';
export { selfCommand } from './self-command.js';
