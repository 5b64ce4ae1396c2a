import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ShardWorkerData } from './shard-protocol.js';

/**
 * Starts one shard's worker thread. Built (dist/), the worker runs shard-worker.js next to this
 * file. Run from the TypeScript sources (tests), a worker does not inherit the parent's loader,
 * so it registers tsx (a dev dependency) before importing shard-worker.ts.
 */
export function startShardWorker(data: ShardWorkerData): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSources ? './shard-worker.ts' : './shard-worker.js', import.meta.url);
  if (!fromSources) return new Worker(entry, { workerData: data });
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}
