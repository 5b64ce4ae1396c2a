import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

let cached: URL | null = null;

/**
 * The package's root folder as a URL ending in `/`, found by walking up from this file to the
 * folder holding package.json. The same code runs from `src/` (tests) and `dist/src/` (installed).
 */
export function packageRoot(): URL {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('avcm: cannot find the package root (no package.json above the code)');
    dir = parent;
  }
  cached = pathToFileURL(dir + path.sep);
  return cached;
}

/** A path inside the package, e.g. `packagePath('schemas/scenario.schema.json')`. */
export function packagePath(relative: string): string {
  return fileURLToPath(new URL(relative, packageRoot()));
}
