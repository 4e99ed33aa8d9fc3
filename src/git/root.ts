import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILES } from '../config/config.js';
import { NotInGitRepositoryError, RootOutsideWorkTreeError } from '../model/errors.js';
import { runGit, type Env } from './exec.js';

/**
 * Where stagedocs works, and where that is in git. Every command resolves it the same way
 * (`resolveRoot`), and every git call that reports paths converts them with `prefix`.
 */
export interface StagedocsRoot {
  /** The folder stagedocs works in: documents, config and evidence paths are relative to it. */
  root: string;
  /** The git work tree's top level holding `root`, as git prints it; undefined outside git. */
  gitTop: string | undefined;
  /** `root` relative to `gitTop`, with forward slashes and a trailing `/`; '' when they are the same (or outside git). */
  prefix: string;
}

/**
 * The stagedocs root of `start` (an existing folder): the nearest folder upwards that holds a
 * stagedocs configuration, searched no higher than the git work tree's top level; with none, that
 * top level. Outside git the search stops at a folder holding a `.git` entry, and gives `start` itself
 * when it finds nothing.
 * `git: 'required'` refuses a folder outside git (NotInGitRepositoryError).
 *
 * One `git rev-parse` process; the rest is a few `stat` calls.
 */
export async function resolveRoot(start: string, env: Env, options: { git: 'required' | 'optional' }): Promise<StagedocsRoot> {
  const gitTop = await topLevel(start, env);
  if (gitTop === undefined) {
    if (options.git === 'required') throw new NotInGitRepositoryError(start);
    return { root: searchUp(start, () => false), gitTop: undefined, prefix: '' };
  }
  const realTop = realpathSync(gitTop);
  if (!isInside(realpathSync(start), realTop)) throw new RootOutsideWorkTreeError(start, gitTop);
  const root = searchUp(start, (dir) => realpathSync(dir) === realTop);
  const realRoot = realpathSync(root);
  if (!isInside(realRoot, realTop)) throw new RootOutsideWorkTreeError(root, gitTop);
  const relative = path.relative(realTop, realRoot).split(path.sep).join('/');
  return { root, gitTop, prefix: relative === '' ? '' : `${relative}/` };
}

/**
 * A path git printed relative to the top level (`git log --raw`, `git status --porcelain`), made
 * relative to the stagedocs root; undefined for a path outside the root.
 */
export function rootRelative(prefix: string, gitPath: string): string | undefined {
  if (prefix === '') return gitPath;
  return gitPath.startsWith(prefix) ? gitPath.slice(prefix.length) : undefined;
}

/** The root's prefix within the work tree of a top level git printed (both absolute). */
export function prefixWithin(gitTop: string, root: string): string {
  const relative = path.relative(realpathSync(gitTop), realpathSync(root)).split(path.sep).join('/');
  return relative === '' ? '' : `${relative}/`;
}

async function topLevel(dir: string, env: Env): Promise<string | undefined> {
  try {
    const top = (await runGit(dir, ['rev-parse', '--show-toplevel'], { env })).toString('utf8').replace(/\n$/, '');
    return path.isAbsolute(top) ? top : undefined;
  } catch {
    return undefined;
  }
}

/** The nearest folder from `start` upwards holding a configuration; the search stops at `isCeiling` or a `.git` entry. */
function searchUp(start: string, isCeiling: (dir: string) => boolean): string {
  return nearestRoot(start, isCeiling) ?? start;
}

/**
 * The upward search of `resolveRoot` without git: the nearest folder holding a stagedocs
 * configuration, else the nearest holding a `.git` entry (or `isCeiling`); undefined when there is
 * neither. For checks that must not start a git process (the pre-edit guard).
 */
export function nearestRoot(start: string, isCeiling: (dir: string) => boolean = () => false): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (CONFIG_FILES.some((name) => existsSync(path.join(dir, name)))) return dir;
    if (isCeiling(dir) || existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function isInside(dir: string, top: string): boolean {
  const relative = path.relative(top, dir);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
