import { simpleGit, type SimpleGit } from 'simple-git';
import { StagedocsError, UsageError } from '../model/errors.js';
import { GIT_PASSED_THROUGH, type Env } from './exec.js';
import { assertSafeRef, isSha } from './refs.js';

/**
 * Variables outside `GIT_*` that git needs (the `GIT_*` ones are `GIT_PASSED_THROUGH`, shared with
 * `runGit`). The rest of the caller's environment is not passed: simple-git 4 refuses to run at all when
 * it sees variables such as EDITOR, VISUAL or PAGER (which npm and many shells set), and git needs none
 * of them for what stagedocs asks.
 */
const SAFE_ENVIRONMENT = /^(PATH|HOME|USERPROFILE|LANG|LANGUAGE|LC_[A-Z]+|TMPDIR|TEMP|TMP|SYSTEMROOT|XDG_CONFIG_HOME)$/;

/** A simple-git client rooted at `dir`, with no unsafe options enabled. */
export function openGit(dir: string, env: Env = {}): SimpleGit {
  const git = simpleGit({ baseDir: dir, maxConcurrentProcesses: 4, trimmed: false, allowEnvironment: GIT_PASSED_THROUGH } as Parameters<typeof simpleGit>[0]);
  const passed = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => value !== undefined && (SAFE_ENVIRONMENT.test(key) || GIT_PASSED_THROUGH.includes(key))),
  ) as Record<string, string>;
  return Object.keys(passed).length > 0 ? git.env(passed) : git;
}

/** The top-level folder of the work tree; a UsageError (exit 2) when `dir` is not in a git repository. */
export async function requireRepository(git: SimpleGit, dir: string): Promise<string> {
  try {
    return (await git.raw(['rev-parse', '--show-toplevel'])).trim();
  } catch {
    throw new UsageError(`${dir} is not inside a git repository`, 'Run `git init` first, or pass --cwd <repository>.');
  }
}

/**
 * Resolves a user-given ref to a full commit SHA: checked against the allowlist first, then passed
 * after `--end-of-options`. Unknown refs are a usage error (exit 2) naming the flag.
 */
export async function resolveCommit(git: SimpleGit, ref: string, flag: string): Promise<string> {
  assertSafeRef(ref, flag);
  let sha = '';
  try {
    sha = (await git.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).trim();
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
export async function assertFullHistory(git: SimpleGit): Promise<void> {
  let shallow = 'false';
  try {
    shallow = (await git.raw(['rev-parse', '--is-shallow-repository'])).trim();
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
