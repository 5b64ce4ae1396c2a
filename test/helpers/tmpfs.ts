import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A small tmpfs the test mounted (root only): a disk that fills up, or a read-only file system. */
export interface Tmpfs {
  dir: string;
  /** Remounts it read-only (files already on it stay). */
  readOnly(): void;
  /** Unmounts it and removes the mount point; safe to call twice. */
  remove(): Promise<void>;
}

/**
 * Mounts a tmpfs of `sizeKiB` on a fresh folder under the system temp dir. Null where this
 * process may not mount (not root, or no CAP_SYS_ADMIN in a container): tests then say why
 * they skip. Each mount is the test's own, unmounted by `remove()`.
 */
export async function mountTmpfs(sizeKiB: number): Promise<Tmpfs | null> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0755`, 'avcm-test', dir], { stdio: 'pipe' });
  } catch {
    await rm(dir, { recursive: true, force: true });
    return null;
  }
  let mounted = true;
  return {
    dir,
    readOnly: () => execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' }),
    remove: async () => {
      if (mounted) execFileSync('umount', [dir], { stdio: 'pipe' });
      mounted = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
