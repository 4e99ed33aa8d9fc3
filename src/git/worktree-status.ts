import { openGit } from './client.js';
import { runGit, type Env } from './exec.js';
import { rootRelative } from './root.js';

/**
 * Tracked files under the stagedocs root whose working-tree or staged content differs from HEAD,
 * root-relative and sorted (`prefix`: the root within the work tree, see `resolveRoot`). Untracked
 * files are not counted: they are not part of what a sign-off tag points at.
 */
export async function uncommittedChanges(root: string, env: Env, prefix = ''): Promise<string[]> {
  const output = (await runGit(root, ['status', '--porcelain=v1', '-z', '--untracked-files=no', '--no-renames'], { env })).toString('utf8');
  // Porcelain paths are relative to the top level, whatever the working directory.
  return output
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => rootRelative(prefix, entry.slice(3)))
    .filter((file): file is string => file !== undefined)
    .sort();
}

export interface GitState {
  commit: string | null;
  branch: string | null;
  dirty: boolean;
}

/**
 * The commit, branch and dirty flag a gate run is recorded against, through simple-git. `dirty` looks
 * at the stagedocs root only (pathspecs are relative to it) and ignores the gate results folder (earlier
 * runs' evidence is not a change to the code under test) and the folder where older versions kept their caches, `.stagedocs/` (never read now, but often still there).
 */
export async function gitState(root: string, env: Env, gateResultsDir: string): Promise<GitState> {
  const git = openGit(root, env);
  const commit = await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).then(
    (out) => out.trim() || null,
    () => null,
  );
  const branch = await git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).then(
    (out) => out.trim() || null,
    () => null,
  );
  const status = await git.raw(['status', '--porcelain', '--untracked-files=normal', '--', '.', `:(exclude)${gateResultsDir}`, ':(exclude).stagedocs']).catch(() => '');
  return { commit, branch, dirty: status.trim() !== '' };
}
