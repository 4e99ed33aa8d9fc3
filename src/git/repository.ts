import { UsageError } from '../model/errors.js';
import { runGit, type Env } from './exec.js';

/**
 * The top-level folder of the work tree holding `dir` (a worktree's `.git` file included); a usage
 * error (exit 2) when there is none. Uses no simple-git, so the pre-commit hook starts fast.
 */
export async function requireGitRoot(dir: string, env: Env): Promise<string> {
  try {
    return (await runGit(dir, ['rev-parse', '--show-toplevel'], { env })).toString('utf8').trim();
  } catch {
    throw new UsageError(`${dir} is not inside a git work tree`, 'Run `git init` first, or pass --cwd <repository>.');
  }
}

/** The commit HEAD points at, or undefined before the first commit. */
export async function headCommit(root: string, env: Env): Promise<string | undefined> {
  try {
    return (await runGit(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { env })).toString('utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
