import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SimpleGit } from 'simple-git';
import type { FreezeFile } from '../model/documents.js';
import { StagedocsError, UsageError, EXIT_FAILED } from '../model/errors.js';
import { stableStringify } from '../config/config.js';

/**
 * sha256 of what git stores for a file: the blob after the path's clean filters and end-of-line
 * conversion (`core.autocrlf`, `.gitattributes` `text`/`eol`, filter drivers such as LFS). The file
 * is passed through `git hash-object -w --path=<path>`, which applies exactly those, and the stored
 * blob is read back with `git cat-file blob`. So a CRLF checkout of an LF-committed file hashes like
 * the committed file, and a freeze made on Windows verifies on Linux.
 */
export async function storedContentSha256(git: SimpleGit, relativePath: string): Promise<string> {
  const blob = (await git.raw(['hash-object', '-w', `--path=${relativePath}`, '--', relativePath])).trim();
  if (!/^[0-9a-f]{40,64}$/.test(blob)) throw new StagedocsError(`git hash-object gave \`${blob}\` for ${relativePath}, expected an object id`, EXIT_FAILED);
  const bytes = await git.binaryCatFile(['blob', blob]);
  return createHash('sha256').update(bytes).digest('hex');
}

/** Expands the `--input` globs into sorted repository-relative files; a glob that matches nothing is an error. */
export async function expandInputs(root: string, globs: readonly string[]): Promise<string[]> {
  const files = new Set<string>();
  // Loaded here, not with the module: validate imports this module and never expands globs.
  const { glob } = await import('tinyglobby');
  for (const pattern of globs) {
    const matches = await glob([pattern], { cwd: root, onlyFiles: true, dot: true, followSymbolicLinks: false, ignore: ['.git/**', '**/node_modules/**'] });
    if (matches.length === 0) throw new UsageError(`--input \`${pattern}\` matches no file`, 'Globs are relative to the repository root, e.g. `--input "config/*.yaml"`.');
    for (const match of matches) files.add(match);
  }
  return [...files].sort();
}

export async function hashInputs(git: SimpleGit, files: readonly string[]): Promise<Record<string, string>> {
  const inputs: Record<string, string> = {};
  for (const file of files) inputs[file] = await storedContentSha256(git, file);
  return inputs;
}

/** The freeze file's bytes: sorted keys, two-space indent, final newline (stable in diffs). */
export function renderFreeze(freeze: FreezeFile): string {
  return `${JSON.stringify(JSON.parse(stableStringify(freeze)), null, 2)}\n`;
}

/**
 * Writes a file that must not exist: the content goes to a temporary file first, then is hard-linked
 * to its name, which fails atomically when the name is taken. Never overwrites, never leaves half a file.
 */
export async function writeExclusive(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, content, { flag: 'wx' });
  try {
    await link(temporary, file);
  } finally {
    await unlink(temporary);
  }
}

export interface FreezeVerification {
  file: string;
  verified: boolean;
  changed: string[];
  missing: string[];
}

/** Re-hashes every frozen input and names those that changed or disappeared. */
export async function verifyFreeze(root: string, git: SimpleGit, file: string, freeze: FreezeFile): Promise<FreezeVerification> {
  const changed: string[] = [];
  const missing: string[] = [];
  for (const input of Object.keys(freeze.inputs).sort()) {
    // A freeze file is repository content: a path leaving the repository is never read.
    const normalized = path.posix.normalize(input);
    if (path.posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
      missing.push(input);
      continue;
    }
    try {
      await readFile(path.join(root, input));
    } catch {
      missing.push(input);
      continue;
    }
    if ((await storedContentSha256(git, input)) !== freeze.inputs[input]) changed.push(input);
  }
  return { file, verified: changed.length === 0 && missing.length === 0, changed, missing };
}
