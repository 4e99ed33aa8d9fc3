import { type Config } from '../model/config.js';
import { createHash } from 'node:crypto';
import { stableStringify } from '../config/config.js';
import { derivedValue } from '../engine/derived-cache.js';
import { InvalidRangeError, StagedocsError } from '../model/errors.js';
import { precomputedRule } from '../rules/precomputed.js';
import { protectedPathMeta } from '../rules/protected-path.js';
import type { Rule } from '../rules/types.js';
import { cacheDirOf, gitDirectoriesOf } from '../util/cache-location.js';
import type { Env } from './exec.js';
import { fileHistory, type HistorySpan } from './history.js';
import { protectedPathsInRange } from './protected-history.js';
import { assertFullHistory, headCommit, resolveCommit } from './repository.js';
import { historyBoundary } from './kept-per-head.js';
import { recordChangesOfHead } from './record-history-cache.js';
import { checkRecordIntegrity, commitAuthors, integrityFindings, recordPaths, type IntegrityFinding } from './record-integrity.js';
import { integrityRules } from './staged-validation.js';

/** Splits a range `<base>..<head>` into its two refs; `...` (symmetric difference) is refused. */
export function parseRange(value: string): { base: string; head: string } {
  const parts = value.split('..');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '' || parts[1]!.startsWith('.')) {
    throw new InvalidRangeError(value);
  }
  return { base: parts[0]!, head: parts[1]! };
}

/**
 * The record-integrity rules over git history: the whole history of HEAD, or every commit of
 * a range (CI re-checks a pull request's commits because hooks can be skipped). One `git log` over
 * the freeze and gate-results folders. A range also gets protected-path, judged per commit as the
 * hook judges the index (`protectedPathsInRange`). A shallow clone is refused (exit 2) rather than passed falsely.
 *
 * Without a range, a shallow clone or a folder outside git only skips these rules, with a note saying
 * why: the documents are still validated.
 */
export async function historyRules(
  root: string,
  config: Config,
  env: Env,
  range: string | undefined,
  /**
   * Given (the running code's fingerprint): the whole history's findings are kept in the git
   * directory (`cacheDirOf`) per HEAD. `head`: HEAD's commit as the caller already asked git for it
   * (`headCommit`), so that it is asked once per run.
   */
  cache?: { toolVersion: string; head?: Promise<string | undefined> },
): Promise<{ rules: Rule[]; skipped?: string }> {
  let span: HistorySpan;
  if (range !== undefined) {
    const { base, head } = parseRange(range);
    const [baseSha, headSha] = [await resolveCommit(root, env, base, 'range-base'), await resolveCommit(root, env, head, 'range-head')];
    await assertFullHistory(root, env);
    span = { base: baseSha, head: headSha };
  } else {
    // HEAD and the shallow check are two git processes: they run at once.
    const shallow = assertFullHistory(root, env).then(
      () => undefined,
      (error: StagedocsError) => error,
    );
    const head = await (cache?.head ?? headCommit(root, env));
    if (head === undefined) return { rules: [] };
    const incomplete = await shallow;
    if (incomplete) return { rules: [], skipped: `history rules skipped: ${incomplete.message}. ${incomplete.hint ?? ''}`.trim() };
    span = { head };
  }
  // The records at the head of the span are what a repair restores (`git revert` of a deleting commit).
  const findings = async () => checkRecordIntegrity(root, config, commitAuthors(await fileHistory(root, span, recordPaths(config), env)), env, span.head);
  if (span.base !== undefined) {
    // A range is what CI checks: the hook may have been skipped, so protected-path is judged per commit too.
    const [integrity, protectedPaths] = await Promise.all([findings(), protectedPathsInRange(root, config, { base: span.base, head: span.head }, env)]);
    return { rules: [...integrityRules(integrity), precomputedRule(protectedPathMeta, protectedPaths)] };
  }
  const cacheDir = cache ? cacheDirOf(root) : undefined;
  if (!cache || cacheDir === undefined) return { rules: integrityRules(await findings()) };
  // The findings are a function of the commits reachable from HEAD (named by its SHA), the
  // configuration and the code: nothing in the working tree. At a new HEAD, what the commits since
  // the last one changed is added to what was kept (`recordChangesOfHead`).
  const head = span.head;
  const changesKey = createHash('sha256').update(stableStringify([cache.toolVersion, config, historyBoundary(gitDirectoriesOf(root)?.commonDir)])).digest('hex');
  const key = createHash('sha256').update(stableStringify([cache.toolVersion, config, head])).digest('hex');
  const extended = async () => integrityFindings(root, config, await recordChangesOfHead(root, cacheDir, changesKey, head, config, env), env, head);
  return { rules: integrityRules(await derivedValue(root, cacheDir, 'history-cache', key, [], extended, isIntegrityFindings)) };
}

function isIntegrityFindings(value: unknown): value is IntegrityFinding[] {
  return (
    Array.isArray(value) &&
    value.every((finding: Partial<IntegrityFinding> | null) => typeof finding === 'object' && finding !== null && typeof finding.ruleId === 'string' && typeof finding.file === 'string' && typeof finding.message === 'string' && typeof finding.line === 'number' && typeof finding.column === 'number')
  );
}
