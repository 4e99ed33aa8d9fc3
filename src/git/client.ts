import { createRequire } from 'node:module';
import type { SimpleGit } from 'simple-git';
import { GIT_PASSED_THROUGH, type Env } from './exec.js';

const require = createRequire(import.meta.url);

/**
 * Variables outside `GIT_*` that git needs (the `GIT_*` ones are `GIT_PASSED_THROUGH`, shared with
 * `runGit`). The rest of the caller's environment is not passed: simple-git 4 refuses to run at all when
 * it sees variables such as EDITOR, VISUAL or PAGER (which npm and many shells set), and git needs none
 * of them for what stagedocs asks.
 */
const SAFE_ENVIRONMENT = /^(PATH|HOME|USERPROFILE|LANG|LANGUAGE|LC_[A-Z]+|TMPDIR|TEMP|TMP|SYSTEMROOT|XDG_CONFIG_HOME)$/;

/**
 * A simple-git client rooted at `dir`, with no unsafe options enabled. simple-git is loaded here, on
 * first use, by the commands that change the repository (gate run, freeze, init, sign-off).
 */
export function openGit(dir: string, env: Env = {}): SimpleGit {
  const { simpleGit } = require('simple-git') as typeof import('simple-git');
  const git = simpleGit({ baseDir: dir, maxConcurrentProcesses: 4, trimmed: false, allowEnvironment: GIT_PASSED_THROUGH } as Parameters<typeof simpleGit>[0]);
  const passed = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => value !== undefined && (SAFE_ENVIRONMENT.test(key) || GIT_PASSED_THROUGH.includes(key))),
  ) as Record<string, string>;
  return Object.keys(passed).length > 0 ? git.env(passed) : git;
}
