import { StagedocsError, UnknownRefError, type RefRole } from '../model/errors.js';
import { runGit, type Env } from './exec.js';
import { assertSafeRef, isSha } from './refs.js';

// Repository facts from plain git processes: no simple-git, which takes about 16 ms to load, on the
// paths that run on every commit (validate, the hook) or over long histories (audit-pack).

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
 * after `--end-of-options`. Unknown refs are an UnknownRefError (exit 2) carrying what the ref is for.
 */
export async function resolveCommit(root: string, env: Env, ref: string, role: RefRole): Promise<string> {
  assertSafeRef(ref, role);
  let sha = '';
  try {
    sha = (await runGit(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { env })).toString('utf8').trim();
  } catch {
    // reported below
  }
  if (!isSha(sha)) throw new UnknownRefError(ref, role);
  return sha;
}

/** Whether `root` is a shallow clone (its history stops at a boundary); false outside git. */
export async function isShallowClone(root: string, env: Env): Promise<boolean> {
  try {
    return (await runGit(root, ['rev-parse', '--is-shallow-repository'], { env })).toString('utf8').trim() === 'true';
  } catch {
    return false;
  }
}

/**
 * What a history reader that still answers in a shallow clone (`trace`) says: what it could not
 * see, and how to fetch it.
 */
export const SHALLOW_HISTORY_NOTE =
  'history incomplete: this is a shallow clone, so commits and tags before its boundary are not shown or checked; run `git fetch --unshallow` (or use `fetch-depth: 0` with actions/checkout)';

/**
 * Fails with a clear message in a shallow clone, where history checks would pass falsely
 * (actions/checkout fetches a single commit by default).
 */
export async function assertFullHistory(root: string, env: Env): Promise<void> {
  if (await isShallowClone(root, env)) {
    throw new StagedocsError(
      'history incomplete: fetch with fetch-depth: 0 (this is a shallow clone, so history checks would pass without looking at the history)',
      2,
      'Fetch the full history: `git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout.',
    );
  }
}

/**
 * `git config user.email` as it applies in `dir` (repository, global and system config, and
 * GIT_CONFIG_GLOBAL and friends, which the environment policy passes); '' when unset or when git is
 * missing. Fixed arguments only.
 */
export async function configuredEmail(dir: string, env: Env): Promise<string> {
  try {
    return (await runGit(dir, ['config', '--get', 'user.email'], { env })).toString('utf8').trim();
  } catch {
    return '';
  }
}
