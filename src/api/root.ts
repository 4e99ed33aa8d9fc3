import type { Env } from '../git/exec.js';
import { resolveRoot, type StagedocsRoot } from '../git/root.js';
import { NotInGitRepositoryError } from '../model/errors.js';

export type { StagedocsRoot } from '../git/root.js';

/**
 * Where a call works: a folder (resolved upwards to the folder of `stagedocs.config.yaml`, no higher
 * than the git work tree's top level, as every command resolves it), or a root `resolveRoot` already
 * resolved, which is taken as it is.
 */
export type RootInput = string | StagedocsRoot;

/** The resolved root of a request; `git: 'required'` refuses a folder outside git. */
export async function locate(root: RootInput, env: Env, git: 'required' | 'optional'): Promise<StagedocsRoot> {
  if (typeof root === 'string') return resolveRoot(root, env, { git });
  if (git === 'required' && root.gitTop === undefined) throw new NotInGitRepositoryError(root.root);
  return root;
}
