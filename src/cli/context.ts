import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { resolveRoot, type StagedocsRoot } from '../git/root.js';
import { strayCacheWarning } from '../git/stray-cache.js';
import { UsageError } from '../model/errors.js';
import type { CliIo } from './io.js';

/** The directory a command works in: `--cwd` resolved against the process's, checked to exist. */
export function workingDirectory(io: CliIo, cwdOption: string | undefined): string {
  const dir = path.resolve(io.cwd, cwdOption ?? '.');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`--cwd \`${cwdOption}\` is not a directory`, 'Pass an existing directory, or leave --cwd out.');
  }
  return dir;
}

/** Where a command works: its working directory and the stagedocs root resolved from it (`resolveRoot`). */
interface CommandRoot extends StagedocsRoot {
  cwd: string;
}

/**
 * The working directory (`--cwd`) and the stagedocs root of a command, the same way for every command.
 * `git: 'required'` for the commands that cannot work outside git.
 */
export async function commandRoot(io: CliIo, cwdOption: string | undefined, git: 'required' | 'optional'): Promise<CommandRoot> {
  const cwd = workingDirectory(io, cwdOption);
  return { cwd, ...(await resolveRoot(cwd, io.env, { git })) };
}

/**
 * For the commands that use the caches: one warning on stderr (never on stdout, which may be JSON)
 * when the work tree still holds a `.stagedocs/` cache folder, which is never read.
 */
export async function warnAboutStrayCache(io: CliIo, root: string): Promise<void> {
  const warning = await strayCacheWarning(root, io.env);
  if (warning) io.stderr.write(`warning: ${warning}\n`);
}

/**
 * Turns a path given on the command line into a repository-relative one with forward slashes, or
 * refuses it when it leaves the repository.
 */
export function toRepositoryPath(root: string, base: string, given: string): string {
  const absolute = path.resolve(base, given);
  const relative = path.relative(root, absolute);
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new UsageError(`Path \`${given}\` is outside the repository ${root}`, 'Give paths inside the repository.');
  }
  return relative.split(path.sep).join('/');
}
