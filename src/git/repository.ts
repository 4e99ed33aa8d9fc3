import { StagedocsError, UsageError } from '../model/errors.js';
import { runGit, type Env } from './exec.js';
import { assertSafeRef, isSha } from './refs.js';

// Repository facts from plain git processes: no simple-git, which takes about 16 ms to load, on the
// paths that run on every commit (validate, the hook) or over long histories (audit-pack).

/**
 * The top-level folder of the work tree holding `dir` (a worktree's `.git` file included); a usage
 * error (exit 2) when there is none. Uses no simple-git, so the pre-commit hook starts fast.
 */
export async function requireGitRoot(dir: string, env: Env = {}): Promise<string> {
  try {
    return (await runGit(dir, ['rev-parse', '--show-toplevel'], { env })).toString('utf8').trim();
  } catch {
    throw new UsageError(`${dir} is not inside a git repository`, 'Run `git init` first, or pass --cwd <repository>.');
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

/**
 * Resolves a user-given ref to a full commit SHA: checked against the allowlist first, then passed
 * after `--end-of-options`. Unknown refs are a usage error (exit 2) naming the flag.
 */
export async function resolveCommit(root: string, env: Env, ref: string, flag: string): Promise<string> {
  assertSafeRef(ref, flag);
  let sha = '';
  try {
    sha = (await runGit(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { env })).toString('utf8').trim();
  } catch {
    // reported below
  }
  if (!isSha(sha)) {
    throw new UsageError(`${flag} \`${ref}\` does not name a commit in this repository`, 'Fetch it first (`git fetch origin <ref>`), or check the spelling.');
  }
  return sha;
}

/**
 * Fails with a clear message in a shallow clone, where history checks would pass falsely
 * (actions/checkout fetches a single commit by default).
 */
export async function assertFullHistory(root: string, env: Env): Promise<void> {
  let shallow = 'false';
  try {
    shallow = (await runGit(root, ['rev-parse', '--is-shallow-repository'], { env })).toString('utf8').trim();
  } catch {
    return;
  }
  if (shallow === 'true') {
    throw new StagedocsError(
      'history incomplete: fetch with fetch-depth: 0 (this is a shallow clone, so history checks would pass without looking at the history)',
      2,
      'Fetch the full history: `git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout.',
    );
  }
}
