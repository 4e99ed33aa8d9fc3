import { type Config } from '../model/config.js';
import { type RunFolder } from '../model/evidence.js';
import { DISCOUNT_TEXT, type StageRuns } from '../model/progression.js';
import { freezesOfStage, type RepositoryModel, type Typed } from '../model/repository.js';
import { compareStrings } from '../model/diagnostic.js';
import type { StageFrontmatter } from '../model/documents.js';
import type { Env } from './exec.js';
import { fileHistory, type CommitChanges } from './history.js';
import { isShallowClone, SHALLOW_HISTORY_NOTE } from './repository.js';
import { readTags, signOffTagName, type TagInfo } from './tags.js';

/** Everything git and the evidence folders know about one stage. */
export interface StageTrace {
  stage: { id: string; title: string; phase: string; status: string; file: string };
  /** The paths traced: the stage document, its decision note, its freeze file, its evidence folders. */
  paths: { stage: string; decision: string[]; freeze: string[]; evidence: string };
  commits: Array<{ sha: string; short_sha: string; date: string; subject: string; files: Array<{ status: string; path: string }> }>;
  /**
   * Every run folder of the stage. `counts`: whether the run counts for the verdict (model/progression.ts:
   * its current gates, a clean tree, a commit in HEAD's history, a matching registry row); when it does
   * not, `not_counted_because` says why. An unfinished run never counts.
   */
  runs: Array<{
    run_id: string;
    started_at: string | null;
    overall_pass: boolean | null;
    blocking_failures: number | null;
    commit: string | null;
    report_sha256: string | null;
    counts: boolean;
    not_counted_because?: string[];
    problem?: string;
  }>;
  tags: Array<{ name: string; commit: string; date: string; message: string }>;
  /** Present when the trace is incomplete (a shallow clone): what is missing and what to run. */
  notes?: string[];
}

/**
 * Traces a stage: the commits (one `git log` over all its paths) that touched its document, decision
 * note, freeze file and evidence folders; its gate runs; its sign-off tags. Sorted for byte-stable output.
 */
export async function traceStage(
  root: string,
  config: Config,
  model: RepositoryModel,
  stage: Typed<StageFrontmatter>,
  runs: readonly RunFolder[],
  /** The stage's runs as the verdict judged them (model/progression.ts `stageRuns`). */
  judged: StageRuns,
  head: string | undefined,
  env: Env,
): Promise<StageTrace> {
  const id = stage.data.id;
  const decision = model.decisions.filter((note) => stage.data.decision !== undefined && note.data.decision_tag === stage.data.decision).map((note) => note.doc.file);
  const defaultFreeze = `${config.paths.freeze.replace(/\/+$/, '')}/${id}.freeze.json`;
  const freeze = [...new Set([defaultFreeze, ...freezesOfStage(model, id).map((file) => file.doc.file)])].sort(compareStrings);
  const evidenceFolder = config.paths.gate_results.replace(/\/+$/, '');
  const evidencePrefix = `${evidenceFolder}/${id}_`;
  const exact = new Set([stage.doc.file, ...decision, ...freeze]);
  const relevant = (file: string) => exact.has(file) || file.startsWith(evidencePrefix);

  const [history, shallow]: [CommitChanges[], boolean] = head ? await Promise.all([fileHistory(root, { head }, [...exact, evidenceFolder], env), isShallowClone(root, env)]) : [[], false];
  const commits = history
    .map((commit) => ({ ...commit, changes: commit.changes.filter((change) => relevant(change.path) && change.byMerge !== false) }))
    .filter((commit) => commit.changes.length > 0)
    .map((commit) => ({
      sha: commit.sha,
      short_sha: commit.shortSha,
      date: commit.date,
      subject: commit.subject,
      files: commit.changes.map((change) => ({ status: change.status, path: change.path })).sort((a, b) => compareStrings(a.path, b.path)),
    }));

  const discounts = new Map(judged.judged.map((run) => [run.folder.runId, run.discounts]));
  const stageRuns = runs
    .filter((run) => run.runId.startsWith(`${id}_`) || run.report?.stage_id === id)
    .map((run) => {
      const reasons = run.report ? (discounts.get(run.runId) ?? []).map((discount) => DISCOUNT_TEXT[discount]) : ['it did not finish'];
      return {
        run_id: run.runId,
        started_at: run.report?.started_at ?? null,
        overall_pass: run.report?.overall_pass ?? null,
        blocking_failures: run.report?.blocking_failures ?? null,
        commit: run.report?.commit ?? null,
        report_sha256: run.reportSha256 ?? null,
        counts: reasons.length === 0,
        ...(reasons.length > 0 ? { not_counted_because: reasons } : {}),
        ...(run.report ? {} : { problem: run.problem ?? 'no report.json (the run did not finish)' }),
      };
    })
    .sort((a, b) => compareStrings(a.run_id, b.run_id));

  const tagNames = [signOffTagName(config, 'stage', id)];
  const tags: TagInfo[] = head ? await readTags(root, tagNames, env) : [];
  return {
    stage: { id, title: stage.data.title, phase: stage.data.phase, status: stage.data.status, file: stage.doc.file },
    paths: { stage: stage.doc.file, decision, freeze, evidence: `${evidencePrefix}*/` },
    commits,
    runs: stageRuns,
    tags: tags.map((tag) => ({ name: tag.name, commit: tag.commit, date: tag.date, message: tag.message })),
    ...(shallow ? { notes: [SHALLOW_HISTORY_NOTE] } : {}),
  };
}
