import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadRegistryLock } from '../gates/registry.js';
import { writeAtomic } from '../util/write-atomic.js';
import { StagedocsError, EXIT_FAILED, EXIT_USAGE } from '../model/errors.js';

/** A file scaffolding will create; `path` is repository-relative with forward slashes. */
export interface NewFile {
  path: string;
  content: string;
}

/**
 * Creates a file atomically and exclusively: the content is written and synced to a temporary file
 * next to the target (write-file-atomic), then hard-linked into place, which fails if the target
 * exists. A reader never sees half a file and an existing file is never replaced, even in a race.
 */
async function createFileExclusive(root: string, file: NewFile): Promise<void> {
  const target = path.join(root, file.path);
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  await writeAtomic(temporary, file.content, { encoding: 'utf8' });
  try {
    await linkOrCopyExclusive(temporary, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new StagedocsError(`${file.path} already exists; it was left unchanged`, EXIT_USAGE, 'Choose another name, or delete the file first if you really mean to replace it.');
    }
    throw error;
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

/** Creates every file of a plan, in order. The plan was checked for collisions before. */
export async function createFiles(root: string, files: readonly NewFile[]): Promise<void> {
  for (const file of files) await createFileExclusive(root, file);
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
  await writeAtomic(target, `${existing ?? ''}${separator}${lines.join('\n')}\n`, { encoding: 'utf8' });
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

/** Kept where git does not look (like the registry lock): one lock for every scaffolding command. */
const SCAFFOLD_LOCK = path.join('.stagedocs', 'scaffold');

/**
 * Runs `action` (read what exists, choose the next id or tag, create the files) holding the
 * repository's scaffolding lock, so that concurrent `new-stage`, `new-phase` and `new-decision` see
 * each other's files and never take the same id. A lock whose holder died is broken once it is
 * SCAFFOLD_LOCK_STALE_MS old, and `onStaleLock` is told; one still refreshed is waited for up to
 * three times that, then a failure names the lock file.
 */
export async function withScaffoldLock<T>(root: string, action: () => Promise<T>, onStaleLock: (message: string) => void = () => undefined): Promise<T> {
  const lock = loadRegistryLock();
  const target = path.join(root, SCAFFOLD_LOCK);
  const lockFile = `${SCAFFOLD_LOCK}.lock`;
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
