import { createRequire } from 'node:module';
import type { SimpleGit } from 'simple-git';
import { gitEnvironment, type Env } from './exec.js';

const require = createRequire(import.meta.url);

/**
 * A simple-git client rooted at `dir`, with no unsafe options enabled and the environment of
 * `gitEnvironment` (the one policy shared with `runGit`): every variable it passes is allowed by name,
 * nothing else reaches git. simple-git is loaded here, on first use, by the commands that change the
 * repository or record its state (gate run, freeze); the hook and validate never load it.
 */
export function openGit(dir: string, env: Env): SimpleGit {
  const { simpleGit } = require('simple-git') as typeof import('simple-git');
  const passed = gitEnvironment(env, 'simple-git');
  const git = simpleGit({ baseDir: dir, maxConcurrentProcesses: 4, trimmed: false, allowEnvironment: Object.keys(passed) } as Parameters<typeof simpleGit>[0]);
  return git.env(passed);
}
