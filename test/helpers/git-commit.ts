import { spawnSync } from 'node:child_process';
import { GIT_ENV } from './repo.js';

/** Runs git and returns its status and output without failing: for commits a hook may reject. */
export function tryGit(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const result = spawnSync('git', args, { cwd, env: { ...GIT_ENV, ...env }, encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
