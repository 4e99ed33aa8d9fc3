import type { RegistryCheck } from '../model/evidence.js';
import type { RunTrust } from '../model/progression.js';
import { runGit, type Env } from './exec.js';

/** What git says about the runs: the commits reachable from HEAD and the report files committed at HEAD. */
export interface RunHistoryFacts {
  /** Every commit reachable from HEAD; undefined outside git. Empty before the first commit. */
  history: Set<string> | undefined;
  /** The root-relative files tracked at HEAD under the gate results folder; undefined outside git. */
  committed: Set<string> | undefined;
}

/**
 * Two git processes, run at once: `git rev-list HEAD` (a run counts only at a commit in HEAD's
 * history) and `git ls-tree` of the gate results at HEAD (a sign-off rests only on committed
 * evidence). Outside git, or before the first commit, what cannot be known is undefined or empty.
 */
export async function runHistoryFacts(root: string, gateResultsDir: string, env: Env, options: { committed?: boolean } = {}): Promise<RunHistoryFacts> {
  const folder = gateResultsDir.replace(/\\/g, '/').replace(/\/+$/, '');
  const [history, committed] = await Promise.all([
    runGit(root, ['rev-list', '--end-of-options', 'HEAD', '--'], { env }).then(
      (out) => new Set(out.toString('utf8').split('\n').filter((line) => line !== '')),
      (error) => (isUnbornHead(error) ? new Set<string>() : undefined),
    ),
    options.committed === false
      ? Promise.resolve(undefined)
      : runGit(root, ['ls-tree', '-r', '-z', '--name-only', '--end-of-options', 'HEAD', '--', folder], { env }).then(
          (out) => new Set(out.toString('utf8').split('\0').filter((line) => line !== '')),
          (error) => (isUnbornHead(error) ? new Set<string>() : undefined),
        ),
  ]);
  return { history, committed };
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
