import type { RunReport } from '../model/evidence.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { StageFrontmatter } from '../model/documents.js';
import type { TagInfo } from './tags.js';

/** The gate run a sign-off rests on. */
export interface QualifyingRun {
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

/**
 * The annotated tag message of a phase sign-off: the stage tags and the exit gate run it rests on,
 * and, when the phase's readiness disallows production, that it is not for production.
 */
export function phaseTagMessage(phaseId: string, stageTags: readonly TagInfo[], extra: { exitRun?: QualifyingRun | undefined; notForProduction?: boolean } = {}): string {
  const run = extra.exitRun;
  return [
    `stagedocs sign-off of phase ${phaseId}${extra.notForProduction ? ' (not for production)' : ''}`,
    '',
    `phase: ${phaseId}`,
    ...stageTags.map((tag) => `stage_tag: ${tag.name} ${tag.commit}`),
    ...(run ? [`exit_run_id: ${run.report.run_id}`, `exit_run_commit: ${run.report.commit ?? ''}`, `exit_report: ${run.reportPath}`, `exit_report_sha256: ${run.reportSha256}`] : []),
    ...(extra.notForProduction ? ['production: not for production (readiness.production_gate: disallowed)'] : []),
    '',
  ].join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
