import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic, writeExclusive } from '../util/write-atomic.js';
import { asFileSystemError, StagedocsError, EXIT_USAGE } from '../model/errors.js';

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
