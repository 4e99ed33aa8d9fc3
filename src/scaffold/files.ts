import { mkdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadRegistryLock, lockFolder } from '../gates/registry.js';
import { writeAtomic, writeExclusive } from '../util/write-atomic.js';
import { asFileSystemError, StagedocsError, EXIT_FAILED, EXIT_USAGE } from '../model/errors.js';

/** A file scaffolding will create; `path` is repository-relative with forward slashes. */
export interface NewFile {
  path: string;
  content: string;
}

/** Creates one file of a plan atomically and exclusively (see `writeExclusive`). */
async function createFileExclusive(root: string, file: NewFile): Promise<void> {
  try {
    await writeExclusive(path.join(root, file.path), file.content);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new StagedocsError(`${file.path} already exists; it was left unchanged`, EXIT_USAGE, 'Choose another name, or delete the file first if you really mean to replace it.');
    }
    throw error;
  }
}

/**
 * Creates every file of a plan, in order. The plan was checked for collisions before. When one file
 * cannot be written (a full disk, a read-only folder) the files this call already created are removed
 * again: a phase is scaffolded whole or not at all, and the command can simply be run again.
 */
export async function createFiles(root: string, files: readonly NewFile[]): Promise<void> {
  const created: string[] = [];
  for (const file of files) {
    try {
      await createFileExclusive(root, file);
    } catch (error) {
      for (const done of created.reverse()) await unlink(path.join(root, done)).catch(() => undefined);
      const undone = created.length > 0 ? `; the ${created.length} file${created.length === 1 ? '' : 's'} written before it ${created.length === 1 ? 'was' : 'were'} removed again` : '';
      throw asFileSystemError(error, file.path, 'write', `it was not created (no part of it was left)${undone}`);
    }
    created.push(file.path);
  }
}

/**
 * The lines of `wanted` that a line-based file (`.gitignore`, `.gitattributes`) lacks. Lines are
 * compared by `keyOf` (by default the pattern, ignoring white space and a leading or trailing `/`),
 * so that a user's own variant of a line counts as present and is never overridden.
 */
export function missingLines(existing: string, wanted: readonly string[], keyOf: (line: string) => string = gitPattern): string[] {
  const present = new Set(existing.split(/\r?\n/).map(keyOf));
  return wanted.filter((line) => !present.has(keyOf(line)));
}

function gitPattern(line: string): string {
  return line.trim().replace(/\s+/g, ' ').replace(/^\/|\/$/g, '');
}

/** A `.gitattributes` line's path: any attributes the user gave that path are theirs to keep. */
export function attributesPath(line: string): string {
  return gitPattern(line).split(' ')[0] ?? '';
}

/** Appends lines to a text file (creating it), keeping every byte already there. */
export async function appendLines(root: string, relativePath: string, lines: readonly string[]): Promise<void> {
  const target = path.join(root, relativePath);
  const existing = await readTextIfExists(target);
  const separator = existing === undefined || existing === '' || existing.endsWith('\n') ? '' : '\n';
  try {
    await writeAtomic(target, `${existing ?? ''}${separator}${lines.join('\n')}\n`, { encoding: 'utf8' });
  } catch (error) {
    throw asFileSystemError(error, relativePath, 'write', 'it is unchanged');
  }
}

export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * How long a scaffolding lock may go without its holder refreshing it (proper-lockfile touches it
 * every half of this) before it counts as left by a dead process and is broken.
 */
export const SCAFFOLD_LOCK_STALE_MS = 10_000;

/** Kept with the registry lock (in the git directory, where no commit can put one): one lock for every scaffolding command. */
const SCAFFOLD_LOCK = 'scaffold';

/**
 * Runs `action` (read what exists, choose the next id or tag, create the files) holding the
 * repository's scaffolding lock, so that concurrent `new-stage`, `new-phase` and `new-decision` see
 * each other's files and never take the same id. A lock whose holder died is broken once it is
 * SCAFFOLD_LOCK_STALE_MS old, and `onStaleLock` is told; one still refreshed is waited for up to
 * three times that, then a failure names the lock file.
 */
export async function withScaffoldLock<T>(root: string, action: () => Promise<T>, onStaleLock: (message: string) => void = () => undefined): Promise<T> {
  const lock = loadRegistryLock();
  const target = path.join(lockFolder(root), SCAFFOLD_LOCK);
  // Named relative to the root in messages (`.git/stagedocs/<key>/scaffold.lock`).
  const lockFile = path.relative(root, `${target}.lock`);
  await mkdir(path.dirname(target), { recursive: true });
  const deadline = Date.now() + 3 * SCAFFOLD_LOCK_STALE_MS;
  let release: (() => Promise<void>) | undefined;
  while (!release) {
    const age = await lockAge(`${target}.lock`);
    try {
      release = await lock(target, { realpath: false, stale: SCAFFOLD_LOCK_STALE_MS, update: SCAFFOLD_LOCK_STALE_MS / 2 });
      // proper-lockfile removes a lock older than `stale` before taking it: that was a dead holder's.
      if (age !== undefined && age >= SCAFFOLD_LOCK_STALE_MS) {
        onStaleLock(`broke the stale scaffolding lock ${lockFile}: its holder stopped refreshing it ${Math.round(age / 1000)} s ago (a killed or crashed stagedocs)`);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || Date.now() > deadline) {
        throw new StagedocsError(
          `Could not take the scaffolding lock ${lockFile}: ${(error as Error).message}`,
          EXIT_FAILED,
          `Another stagedocs process is scaffolding in this repository; try again when it is done (a lock left by a dead process is broken after ${SCAFFOLD_LOCK_STALE_MS / 1000} s).`,
        );
      }
      await sleep(25 + Math.floor(Math.random() * 50));
    }
  }
  try {
    return await action();
  } finally {
    await release();
  }
}

/** Milliseconds since the lock was last refreshed, or undefined when nobody holds it. */
async function lockAge(lockPath: string): Promise<number | undefined> {
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs;
  } catch {
    return undefined;
  }
}
