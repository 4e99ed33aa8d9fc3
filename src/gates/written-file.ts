import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/** File systems with coarse timestamps (FAT: 2 s) may date a fresh file slightly before the command started. */
const MTIME_TOLERANCE_MS = 2000;

type WrittenFile = { text: string } | { missing: true } | { staleSince: string };

/**
 * Reads a file a gate's command should have written. When the gate has a command (`commandStarted`),
 * the file must have been written by it: a file left over from an earlier run (the command no longer
 * produces it) would otherwise pass on stale numbers.
 */
export async function readWrittenFile(root: string, file: string, commandStarted: number | undefined): Promise<WrittenFile> {
  try {
    const absolute = path.join(root, file);
    const text = await readFile(absolute, 'utf8');
    const modified = (await stat(absolute)).mtimeMs;
    if (commandStarted !== undefined && modified < commandStarted - MTIME_TOLERANCE_MS) return { staleSince: new Date(modified).toISOString() };
    return { text };
  } catch {
    return { missing: true };
  }
}
