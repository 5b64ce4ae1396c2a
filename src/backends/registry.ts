import type { Backend } from './backend.js';
import { LocalBackend } from './local/index.js';

export type BackendFactory = (context: { baseDir: string; env: NodeJS.ProcessEnv }) => Backend;

/** The backends this build offers, by the name a scenario or `--backend` uses. Built by the CLI and passed down. */
export function defaultBackends(options: { image?: string; namespace?: string; keep?: boolean; monitoring?: boolean } = {}): Record<string, BackendFactory> {
  void options; // docker and k8s backends join here (image, namespace, keep, monitoring)
  return {
    local: (context) => new LocalBackend(context),
  };
}
