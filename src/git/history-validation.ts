import type { Config } from '../config/config.js';
import { StagedocsError, UsageError } from '../model/errors.js';
import type { Rule } from '../rules/types.js';
import { assertFullHistory, openGit, resolveCommit } from './client.js';
import type { Env } from './exec.js';
import { fileHistory, type HistorySpan } from './history.js';
import { headCommit } from './repository.js';
import { checkRecordIntegrity, commitAuthors, recordPaths } from './record-integrity.js';
import { integrityRules } from './staged-validation.js';

/** Splits `--range <base>..<head>` into its two refs; `...` (symmetric difference) is refused. */
export function parseRange(value: string): { base: string; head: string } {
  const parts = value.split('..');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '' || parts[1]!.startsWith('.')) {
    throw new UsageError(`--range \`${value.slice(0, 80)}\` is not of the form <base>..<head>`, 'Give two refs joined by two dots, such as `origin/main..HEAD`.');
  }
  return { base: parts[0]!, head: parts[1]! };
}

/**
 * The record-integrity rules over git history: the whole history of HEAD, or every commit of
 * `--range` (CI re-checks a pull request's commits because hooks can be skipped). One `git log` over
 * the freeze and gate-results folders. A shallow clone is refused (exit 2) rather than passed falsely.
 *
 * Without `--range`, a shallow clone or a folder outside git only skips these rules, with a note saying
 * why: the documents are still validated.
 */
export async function historyRules(root: string, config: Config, env: Env, range: string | undefined): Promise<{ rules: Rule[]; skipped?: string }> {
  const git = openGit(root, env);
  let span: HistorySpan;
  if (range !== undefined) {
    const { base, head } = parseRange(range);
    const [baseSha, headSha] = [await resolveCommit(git, base, '--range base'), await resolveCommit(git, head, '--range head')];
    await assertFullHistory(git);
    span = { base: baseSha, head: headSha };
  } else {
    const head = await headCommit(root, env);
    if (head === undefined) return { rules: [] };
    try {
      await assertFullHistory(git);
    } catch (error) {
      return { rules: [], skipped: `history rules skipped: ${(error as Error).message}. ${(error as StagedocsError).hint ?? ''}`.trim() };
    }
    span = { head };
  }
  const commits = await fileHistory(root, span, recordPaths(config), env);
  return { rules: integrityRules(await checkRecordIntegrity(root, config, commitAuthors(commits), env)) };
}
