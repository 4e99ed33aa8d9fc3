import type { SimpleGit } from 'simple-git';

export interface GitState {
  commit: string | null;
  branch: string | null;
  dirty: boolean;
}

/**
 * The commit, branch and dirty flag a run is recorded against. `dirty` ignores the gate results
 * folder (earlier runs' evidence is not a change to the code under test) and stagedocs' own cache
 * folder `.stagedocs/`.
 */
export async function gitState(git: SimpleGit, gateResultsDir: string): Promise<GitState> {
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
