import { createRequire } from 'node:module';
import type writeFileAtomic from 'write-file-atomic';

const require = createRequire(import.meta.url);

/**
 * write-file-atomic (temporary file, fsync, rename), loaded on the first write: the commands that run
 * on every commit usually write nothing, and loading it costs them a few milliseconds.
 */
export function writeAtomic(file: string, data: string | Buffer, options?: writeFileAtomic.Options): Promise<void> {
  const write = require('write-file-atomic') as typeof writeFileAtomic;
  return write(file, data, options);
}
