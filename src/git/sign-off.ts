import type { Typed } from '../model/repository.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { StageFrontmatter } from '../model/documents.js';
import { type RunReport, type RunFolder } from '../model/evidence.js';
import type { Env } from './exec.js';
import { isAncestor } from './history.js';
import { isSha } from './refs.js';
import type { TagInfo } from './tags.js';

/** The gate run a sign-off rests on. */
interface QualifyingRun {
  report: RunReport;
  /** Repository-relative path of report.json. */
  reportPath: string;
  reportSha256: string;
}

/** What the repository looks like to a sign-off; gathered by the caller. */
export interface SignOffFacts {
  head: string;
  existingTag: TagInfo | undefined;
  uncommitted: string[];
  validationErrors: Diagnostic[];
}

/** Why a stage or phase may not close; empty when it may. */
export type Reasons = string[];

/** The reasons shared by stage and phase sign-off: already tagged, dirty tree, validation errors. */
export function commonReasons(tagName: string, facts: SignOffFacts): Reasons {
  const reasons: Reasons = [];
  if (facts.existingTag) {
    reasons.push(`already signed off: tag ${tagName} exists (on commit ${facts.existingTag.commit.slice(0, 12)}${facts.existingTag.date ? `, ${facts.existingTag.date}` : ''}); a sign-off is never repeated`);
  }
  if (facts.uncommitted.length > 0) {
    const shown = facts.uncommitted.slice(0, 5).map((file) => `\`${file}\``).join(', ');
    reasons.push(`the working tree is not clean: ${shown}${facts.uncommitted.length > 5 ? ` and ${facts.uncommitted.length - 5} more` : ''} (commit or restore them)`);
  }
  if (facts.validationErrors.length > 0) {
    const first = facts.validationErrors[0]!;
    reasons.push(
      `validation fails with ${facts.validationErrors.length} error${facts.validationErrors.length === 1 ? '' : 's'}, first ${first.file}:${first.line}:${first.column} ${first.message} (${first.ruleId}); run \`stagedocs validate\``,
    );
  }
  return reasons;
}

/** The gates of a stage that must pass: every gate not marked `severity: warning`. */
function blockingGates(stage: StageFrontmatter): string[] {
  return (stage.gates ?? []).filter((gate) => gate.severity !== 'warning').map((gate) => gate.id);
}

/**
 * Finds the run a stage's sign-off rests on: the newest finished run of the stage whose commit is in
 * HEAD's history. It must have passed every blocking gate the stage declares; an older passing run
 * does not outweigh a newer failing one.
 */
export async function qualifyingRun(
  root: string,
  stage: Typed<StageFrontmatter>,
  runs: readonly RunFolder[],
  head: string,
  env: Env,
): Promise<{ run?: QualifyingRun; reasons: Reasons }> {
  const id = stage.data.id;
  const ofStage = runs
    .filter((run): run is RunFolder & { report: RunReport; reportSha256: string } => run.report?.stage_id === id && run.reportSha256 !== undefined)
    .sort((a, b) => (a.report.started_at < b.report.started_at ? 1 : a.report.started_at > b.report.started_at ? -1 : a.runId < b.runId ? 1 : -1));
  if (ofStage.length === 0) return { reasons: [`no finished gate run of ${id}; run \`stagedocs gate run ${id}\` and commit its evidence`] };

  let newest: (typeof ofStage)[number] | undefined;
  for (const run of ofStage) {
    if (run.report.commit && isSha(run.report.commit) && (await isAncestor(root, run.report.commit, head, env))) {
      newest = run;
      break;
    }
  }
  if (!newest) {
    return {
      reasons: [`none of the ${ofStage.length} gate run(s) of ${id} was made at a commit in HEAD's history (newest: ${ofStage[0]!.runId} at ${ofStage[0]!.report.commit ?? 'no commit'}); run the gates again on this branch`],
    };
  }
  const report = newest.report;
  const failed: string[] = [];
  for (const gateId of blockingGates(stage.data)) {
    const result = report.gates.find((gate) => gate.id === gateId);
    if (!result) failed.push(`${gateId} (not run)`);
    else if (result.outcome !== 'pass') failed.push(`${gateId} (${result.outcome}: ${result.summary})`);
  }
  for (const result of report.gates) {
    if (result.severity === 'blocking' && result.outcome !== 'pass' && !failed.some((entry) => entry.startsWith(`${result.id} `))) failed.push(`${result.id} (${result.outcome}: ${result.summary})`);
  }
  if (failed.length > 0 || report.blocking_failures > 0 || !report.overall_pass) {
    const list = failed.length > 0 ? failed.join(', ') : `${report.blocking_failures} blocking failure(s)`;
    return { reasons: [`the newest gate run of ${id} in HEAD's history, ${report.run_id}, did not pass its blocking gates: ${list}`] };
  }
  return { run: { report, reportPath: `${newest.dir}/report.json`, reportSha256: newest.reportSha256 }, reasons: [] };
}

/** The annotated tag message of a stage sign-off: the evidence it rests on, one `key: value` a line. */
export function stageTagMessage(stage: StageFrontmatter, run: QualifyingRun): string {
  return [
    `stagedocs sign-off of stage ${stage.id}`,
    '',
    `stage: ${stage.id}`,
    `phase: ${stage.phase}`,
    `title: ${oneLine(stage.title)}`,
    `run_id: ${run.report.run_id}`,
    `run_commit: ${run.report.commit ?? ''}`,
    `report: ${run.reportPath}`,
    `report_sha256: ${run.reportSha256}`,
    '',
  ].join('\n');
}

/** The annotated tag message of a phase sign-off: the stage tags it rests on. */
export function phaseTagMessage(phaseId: string, stageTags: readonly TagInfo[]): string {
  return [`stagedocs sign-off of phase ${phaseId}`, '', `phase: ${phaseId}`, ...stageTags.map((tag) => `stage_tag: ${tag.name} ${tag.commit}`), ''].join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
