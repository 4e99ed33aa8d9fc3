import { runGit, type Env } from './exec.js';
import { resolveCommit } from './repository.js';

/**
 * The repository-relative files that changed on HEAD's line since it left `ref` (`git diff
 * <ref>...HEAD`, the merge base to HEAD: what a pull request against `ref` changed, and on a linear
 * branch simply everything since `ref`). The ref is held to the allowlist and passed after
 * `--end-of-options` (resolveCommit), so no text of the user's reaches git as an option. Committed
 * changes only: the plan is the same for every clone at the same commit.
 */
export async function filesChangedSince(root: string, ref: string, env: Env): Promise<Set<string>> {
  const sha = await resolveCommit(root, env, ref, 'changed-since');
  const output = await runGit(root, ['diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', '--end-of-options', `${sha}...HEAD`, '--'], { env });
  return new Set(
    output
      .toString('utf8')
      .split('\0')
      .filter((file) => file !== ''),
  );
}
