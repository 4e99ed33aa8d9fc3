import { simpleGit, type SimpleGit } from 'simple-git';
import { StagedocsError, UsageError } from '../model/errors.js';
import { assertSafeRef, isSha } from './refs.js';

/**
 * Environment variables git needs passed through. simple-git 4 strips `GIT_*` variables unless they
 * are allowed; a pre-commit hook must see `GIT_INDEX_FILE` (`git commit -a` and `git commit <path>` use
 * a temporary index).
 */
const PASSED_THROUGH = ['GIT_INDEX_FILE', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR'];

/**
 * Variables outside `GIT_*` that git needs. The rest of the caller's environment is not passed: simple-git 4
 * refuses to run at all when it sees variables such as EDITOR, VISUAL or PAGER (which npm and many
 * shells set), and git needs none of them for what stagedocs asks.
 */
const SAFE_ENVIRONMENT = /^(PATH|HOME|USERPROFILE|LANG|LANGUAGE|LC_[A-Z]+|TMPDIR|TEMP|TMP|SYSTEMROOT|XDG_CONFIG_HOME)$/;

/** A simple-git client rooted at `dir`, with no unsafe options enabled. */
export function openGit(dir: string, env: Readonly<Record<string, string | undefined>> = {}): SimpleGit {
  const git = simpleGit({ baseDir: dir, maxConcurrentProcesses: 4, trimmed: false, allowEnvironment: PASSED_THROUGH } as Parameters<typeof simpleGit>[0]);
  const passed = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => value !== undefined && (SAFE_ENVIRONMENT.test(key) || PASSED_THROUGH.includes(key))),
  ) as Record<string, string>;
  return Object.keys(passed).length > 0 ? git.env(passed) : git;
}

/** Whether `dir` is inside a git work tree. */
export async function isGitRepository(git: SimpleGit): Promise<boolean> {
  try {
    return (await git.raw(['rev-parse', '--is-inside-work-tree'])).trim() === 'true';
  } catch {
    return false;
  }
}

/** The top-level folder of the work tree; a UsageError (exit 2) when `dir` is not in a git repository. */
export async function requireRepository(git: SimpleGit, dir: string): Promise<string> {
  try {
    return (await git.raw(['rev-parse', '--show-toplevel'])).trim();
  } catch {
    throw new UsageError(`${dir} is not inside a git repository`, 'Run `git init` first, or pass --cwd <repository>.');
  }
}

/** Whether HEAD points at a commit (a new repository has none). */
export async function hasCommits(git: SimpleGit): Promise<boolean> {
  // simple-git rejects only when git writes to stderr; `--quiet` keeps stderr empty, so check the output.
  try {
    return isSha((await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])).trim());
  } catch {
    return false;
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
