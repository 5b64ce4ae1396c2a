// The process entry when running from the TypeScript sources (tests and development spawn it
// through tsx); the installed entry is bin/avcm.js, which runs the compiled twin of this file.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
