export type { Backend, EngineTotals, LaunchOptions, RunHandle } from './backend.js';
export { LocalBackend, selfCommand } from './local/index.js';
export { defaultBackends, type BackendFactory } from './registry.js';
