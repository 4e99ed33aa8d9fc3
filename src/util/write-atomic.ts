import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type writeFileAtomic from 'write-file-atomic';

const require = createRequire(import.meta.url);

/**
 * write-file-atomic (temporary file, fsync, rename), loaded on the first write: the commands that run
 * on every commit usually write nothing, and loading it costs them a few milliseconds. On a failed
 * write (ENOSPC, EROFS) it removes its temporary file, so no half-written file is ever left.
 */
export function writeAtomic(file: string, data: string | Buffer, options?: writeFileAtomic.Options): Promise<void> {
  return loadWriteAtomic()(file, data, options);
}

/**
 * Loads write-file-atomic now. `gate run` calls it before the gates run: a gate may delete
 * node_modules (`npm ci` does when it fails), and the evidence must still be written afterwards.
 */
export function loadWriteAtomic(): typeof writeFileAtomic {
  return require('write-file-atomic') as typeof writeFileAtomic;
}

/**
 * Creates a file atomically and exclusively: the content is written and synced to a temporary file
 * next to the target (write-file-atomic), then hard-linked into place, which fails with EEXIST if the
 * target exists. A reader never sees half a file and an existing file is never replaced, even in a
 * race; a write that fails (a full disk) removes the temporary file, and the name never appears.
 */
export async function writeExclusive(file: string, content: string | Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeAtomic(temporary, content, typeof content === 'string' ? { encoding: 'utf8' } : undefined);
    await linkOrCopyExclusive(temporary, file);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/**
 * A hard link is atomic and exclusive. File systems without hard links get an exclusive copy
 * instead: still never an overwrite, and the content was complete and synced before the copy.
 */
async function linkOrCopyExclusive(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
    await copyFile(from, to, constants.COPYFILE_EXCL);
  }
}

/**
 * For the caches (in the git directory): no fsync. The rename still keeps every reader from a half-written
 * file; after a crash a cache file may be lost or damaged, which only means a miss, and the three
 * fsyncs of a cold run's 30 MB of cache cost more than the run's own reading.
 */
export const CACHE_WRITE: writeFileAtomic.Options = { fsync: false };
