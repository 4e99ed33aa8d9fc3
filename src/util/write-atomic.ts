import { createRequire } from 'node:module';
import type writeFileAtomic from 'write-file-atomic';

const require = createRequire(import.meta.url);

/**
 * write-file-atomic (temporary file, fsync, rename), loaded on the first write: the commands that run
 * on every commit usually write nothing, and loading it costs them a few milliseconds.
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
 * For the caches (in the git directory): no fsync. The rename still keeps every reader from a half-written
 * file; after a crash a cache file may be lost or damaged, which only means a miss, and the three
 * fsyncs of a cold run's 30 MB of cache cost more than the run's own reading.
 */
export const CACHE_WRITE: writeFileAtomic.Options = { fsync: false };
