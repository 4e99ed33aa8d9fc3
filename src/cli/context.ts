import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILES } from '../config/config.js';
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

/**
 * The repository root: the nearest directory upwards that holds a stagedocs configuration or a `.git`
 * (folder, or file in a worktree); the working directory itself when there is none.
 */
export function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (CONFIG_FILES.some((name) => existsSync(path.join(dir, name))) || existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
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
