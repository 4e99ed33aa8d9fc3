import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Where stagedocs keeps its caches: inside the git directory, where no commit can put a file. A
 * folder of the work tree (the old `.stagedocs/`) can be force-added and then arrive in a fresh clone
 * with facts, findings or evidence that a pull-request author wrote; the git directory never comes
 * from a commit. Found by reading `.git` in code, as git does, rather than asking git: every command
 * needs it, and a process costs more than the two reads (test/unit/cache-location.test.ts checks the
 * answer against `git rev-parse`).
 */

/** The git directories of the work tree holding a folder. */
export interface GitDirectories {
  /** The folder holding `.git`: the work tree's top level. */
  top: string;
  /** This work tree's git directory (`git rev-parse --absolute-git-dir`): `.git`, or what a `.git` file names (linked worktrees, submodules). */
  gitDir: string;
  /** The directory shared by every worktree (`git rev-parse --git-common-dir`): refs, objects, `shallow`. */
  commonDir: string;
}

/** The subfolder of the git directory that holds every stagedocs cache (`git rev-parse --git-path stagedocs`; per worktree). */
export const GIT_CACHE_FOLDER = 'stagedocs';

/**
 * The git directories of the nearest work tree at or above `start` (an existing folder), or
 * undefined when there is none (outside git there is no cache) or `.git` is neither a git directory
 * nor a `gitdir:` file naming one.
 */
export function gitDirectoriesOf(start: string): GitDirectories | undefined {
  let dir: string;
  try {
    dir = realpathSync(start);
  } catch {
    return undefined;
  }
  for (;;) {
    const dotGit = path.join(dir, '.git');
    const info = statSync(dotGit, { throwIfNoEntry: false });
    if (info) {
      const gitDir = info.isDirectory() ? dotGit : linkedGitDir(dotGit);
      if (gitDir === undefined || !statSync(path.join(gitDir, 'HEAD'), { throwIfNoEntry: false })) return undefined;
      return { top: dir, gitDir, commonDir: commonDirOf(gitDir) };
    }
    if (path.dirname(dir) === dir) return undefined;
    dir = path.dirname(dir);
  }
}

/**
 * The folder for the caches of the stagedocs root `root`: `<git dir>/stagedocs/<key>`, the key a hash
 * of the root's path within the work tree, so that two stagedocs roots of one repository never share
 * a cache file. Undefined outside git.
 */
export function cacheDirOf(root: string): string | undefined {
  const dirs = gitDirectoriesOf(root);
  if (!dirs) return undefined;
  const prefix = path.relative(dirs.top, realpathSync(root)).split(path.sep).join('/');
  return path.join(dirs.gitDir, GIT_CACHE_FOLDER, createHash('sha256').update(`root:${prefix}`).digest('hex').slice(0, 16));
}

/** What a `.git` file (`gitdir: <path>`, relative to the file's folder) names. */
function linkedGitDir(dotGit: string): string | undefined {
  try {
    const match = /^gitdir: (.+?)\r?\n?$/.exec(readFileSync(dotGit, 'utf8'));
    return match ? path.resolve(path.dirname(dotGit), match[1]!) : undefined;
  } catch {
    return undefined;
  }
}

/** A linked worktree's git directory names the shared one in its `commondir` file (relative to it). */
function commonDirOf(gitDir: string): string {
  try {
    const named = readFileSync(path.join(gitDir, 'commondir'), 'utf8').replace(/\r?\n$/, '');
    return named === '' ? gitDir : path.resolve(gitDir, named);
  } catch {
    return gitDir;
  }
}
