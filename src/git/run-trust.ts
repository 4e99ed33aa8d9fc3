import { createHash } from 'node:crypto';
import { derivedValue } from '../engine/derived-cache.js';
import type { RegistryCheck } from '../model/evidence.js';
import type { RunTrust } from '../model/progression.js';
import { cacheDirOf, gitDirectoriesOf } from '../util/cache-location.js';
import { codeFingerprint } from '../util/version.js';
import { runGit, type Env } from './exec.js';
import { headHistory } from './history-cache.js';
import { historyBoundary } from './kept-per-head.js';
import { headCommit } from './repository.js';

/** What git says about the runs: the commits reachable from HEAD and the report files committed at HEAD. */
export interface RunHistoryFacts {
  /** Every commit reachable from HEAD; undefined outside git. Empty before the first commit. */
  history: Set<string> | undefined;
  /** The root-relative files tracked at HEAD under the gate results folder; undefined outside git. */
  committed: Set<string> | undefined;
}

/**
 * `git rev-list HEAD` (a run counts only at a commit in HEAD's history) and `git ls-tree` of the gate
 * results at HEAD (a sign-off rests only on committed evidence), run at once. Outside git, or before
 * the first commit, what cannot be known is undefined or empty.
 *
 * Both are functions of HEAD's commit id alone (and, for the history, of the shallow and graft
 * boundaries), so they are kept in the git directory keyed by it: a run at an unchanged HEAD asks
 * git only for HEAD (`head`, when the caller already did, not even that) and spawns no rev-list; at a
 * HEAD that descends from the kept one, git lists only the commits since (git/history-cache.ts).
 */
export async function runHistoryFacts(
  root: string,
  gateResultsDir: string,
  env: Env,
  /** `cache: false` asks git every time (`--no-cache`); `head`: HEAD's commit as the caller already asked for it. */
  options: { committed?: boolean; cache?: boolean; head?: Promise<string | undefined> } = {},
): Promise<RunHistoryFacts> {
  const folder = gateResultsDir.replace(/\\/g, '/').replace(/\/+$/, '');
  const dirs = options.cache === false ? undefined : gitDirectoriesOf(root);
  const head = dirs ? await (options.head ?? headCommit(root, env)) : undefined;
  const cached = <T>(name: string, parts: unknown[], compute: () => Promise<T>, isValue: (value: unknown) => value is T): Promise<T> => {
    if (!dirs || head === undefined) return compute();
    const key = createHash('sha256').update(JSON.stringify([codeFingerprint(), head, ...parts])).digest('hex');
    return derivedValue(root, cacheDirOf(root), name, key, [], compute, isValue);
  };
  const [history, committed] = await Promise.all([
    (dirs && head !== undefined ? headHistory(root, cacheDirOf(root), head, historyKey(dirs.commonDir), env, () => commitsOf(root, env)) : commitsOf(root, env)).then((lines) => (lines === null ? undefined : new Set(lines))),
    options.committed === false
      ? Promise.resolve(undefined)
      : cached('head-evidence', [folder], () => committedFiles(root, folder, env), isLines).then((lines) => (lines === null ? undefined : new Set(lines))),
  ]);
  return { history, committed };
}

/** What HEAD's kept history depends on besides HEAD: the code and the shallow and graft boundaries. */
function historyKey(commonDir: string | undefined): string {
  return createHash('sha256').update(JSON.stringify([codeFingerprint(), historyBoundary(commonDir)])).digest('hex');
}

/** Every commit reachable from HEAD, HEAD first; [] before the first commit, null outside git. */
function commitsOf(root: string, env: Env): Promise<string[] | null> {
  return runGit(root, ['rev-list', '--end-of-options', 'HEAD', '--'], { env }).then(
    (out) => out.toString('utf8').split('\n').filter((line) => line !== ''),
    (error) => (isUnbornHead(error) ? [] : null),
  );
}

/** The files tracked at HEAD under the gate results folder; [] before the first commit, null outside git. */
function committedFiles(root: string, folder: string, env: Env): Promise<string[] | null> {
  return runGit(root, ['ls-tree', '-r', '-z', '--name-only', '--end-of-options', 'HEAD', '--', folder], { env }).then(
    (out) => out.toString('utf8').split('\0').filter((line) => line !== ''),
    (error) => (isUnbornHead(error) ? [] : null),
  );
}

function isLines(value: unknown): value is string[] | null {
  return value === null || (Array.isArray(value) && value.every((line) => typeof line === 'string'));
}

/** A repository without commits: HEAD names no commit yet (git still runs). */
function isUnbornHead(error: unknown): boolean {
  const stderr = String((error as { stderr?: string }).stderr ?? '');
  return /unknown revision|ambiguous argument 'HEAD'|Not a valid object name HEAD|bad revision 'HEAD'/i.test(stderr);
}

/** The trust a verdict judges runs with, from the registry check and git's facts. */
export function runTrustOf(registry: RegistryCheck | undefined, facts: RunHistoryFacts): RunTrust {
  return { registry, history: facts.history, committed: facts.committed };
}
