import { readFileSync } from 'node:fs';
import { packagePath } from './package-root.js';

/** The package version from package.json (read once). */
export const AVCM_VERSION: string = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
