import { runGit, type Env } from './exec.js';

/**
 * Tracked files whose working-tree or staged content differs from HEAD, sorted. Untracked files are
 * not counted: they are not part of what a sign-off tag points at.
 */
export async function uncommittedChanges(root: string, env: Env): Promise<string[]> {
  const output = (await runGit(root, ['status', '--porcelain=v1', '-z', '--untracked-files=no', '--no-renames'], { env })).toString('utf8');
  return output
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => entry.slice(3))
    .sort();
}
