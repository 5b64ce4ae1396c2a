import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file atomically: a temp file in the same folder, then rename, so readers never see
 * half a file. When writing fails (disk full, read-only, no permission) the temp file is removed
 * and whatever `file` held before is left as it was. The temp name is unique per call, so runs
 * writing the same report path at once cannot mix their bytes.
 */
export async function writeAtomically(file: string, content: string): Promise<void> {
  await makeFolder(path.dirname(file));
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, content);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * `mkdir -p`, with the real reason when it fails: Node's recursive mkdir reports ENOENT where a
 * folder cannot be made on a read-only file system or without permission; making the first
 * missing folder alone says EROFS or EACCES.
 */
async function makeFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    let missing = folder;
    while (path.dirname(missing) !== missing && !(await stat(path.dirname(missing)).then(() => true, () => false))) missing = path.dirname(missing);
    await mkdir(missing);
    await mkdir(folder, { recursive: true });
  }
}
