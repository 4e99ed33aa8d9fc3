import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic } from '../util/write-atomic.js';
import { StagedocsError, EXIT_USAGE } from '../model/errors.js';

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
