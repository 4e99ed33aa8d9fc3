import type { RunReport } from '../model/evidence.js';
import type { StageFrontmatter } from '../model/documents.js';
import type { ApprovalTally } from '../model/approvals.js';
import type { TagInfo } from './tags.js';
import { readTagMessage, singleField } from '../model/tag-message.js';
import { truncate } from '../util/text.js';

/** The gate run a sign-off rests on. */
export interface QualifyingRun {
  report: RunReport;
  /** Repository-relative path of report.json. */
  reportPath: string;
  reportSha256: string;
}

/** Why a stage or phase may not close; empty when it may. */
export type Reasons = string[];

/**
 * A sign-off is never repeated: the one reason that is not the assessment's (whose needs say what a
 * stage or phase still lacks, audit/assess.ts), since a tagged stage needs nothing more.
 */
export function alreadySignedOff(tagName: string, existingTag: TagInfo | undefined): Reasons {
  if (!existingTag) return [];
  return [`already signed off: tag ${tagName} exists (on commit ${existingTag.commit.slice(0, 12)}${existingTag.date ? `, ${existingTag.date}` : ''}); a sign-off is never repeated`];
}

/**
 * The annotated tag message of a stage sign-off: the evidence it rests on, one `key: value` a line, and
 * the approvals that made its quorum (`approval: <tag> <approver>`, only when it declares approvals).
 */
export function stageTagMessage(stage: StageFrontmatter, run: QualifyingRun, approvals: ApprovalTally | undefined = undefined): string {
  return [
    `stagedocs sign-off of stage ${stage.id}`,
    '',
    `stage: ${stage.id}`,
    `phase: ${stage.phase}`,
    `title: ${truncate(stage.title, 200)}`,
    `run_id: ${run.report.run_id}`,
    `run_commit: ${run.report.commit ?? ''}`,
    `report: ${run.reportPath}`,
    `report_sha256: ${run.reportSha256}`,
    ...approvalLines(approvals),
    '',
  ].join('\n');
}

/** The counted approvals a sign-off rests on, one line each. */
function approvalLines(approvals: ApprovalTally | undefined): string[] {
  return (approvals?.judged ?? []).filter((approval) => approval.counts).map((approval) => `approval: ${approval.tag} ${approval.approver}`);
}

/**
 * The annotated tag message of a phase sign-off: the stage tags and the exit gate run it rests on,
 * and, when the phase's readiness disallows production, that it is not for production.
 */
export function phaseTagMessage(phaseId: string, stageTags: readonly TagInfo[], extra: { exitRun?: QualifyingRun | undefined; notForProduction?: boolean; approvals?: ApprovalTally | undefined } = {}): string {
  const run = extra.exitRun;
  return [
    `stagedocs sign-off of phase ${phaseId}${extra.notForProduction ? ' (not for production)' : ''}`,
    '',
    `phase: ${phaseId}`,
    ...stageTags.map((tag) => `stage_tag: ${tag.name} ${tag.commit}`),
    ...(run ? [`exit_run_id: ${run.report.run_id}`, `exit_run_commit: ${run.report.commit ?? ''}`, `exit_report: ${run.reportPath}`, `exit_report_sha256: ${run.reportSha256}`] : []),
    ...(extra.notForProduction ? ['production: not for production (readiness.production_gate: disallowed)'] : []),
    ...approvalLines(extra.approvals),
    '',
  ].join('\n');
}

const SIGN_OFF_HEADLINE = /^stagedocs sign-off of (stage|phase) (\S+)(?: \(not for production\))?$/;

/**
 * What a sign-off tag's message (`stageTagMessage`, `phaseTagMessage`) says it signs off, and the
 * commit of the run it rests on (empty for a phase without exit gates); undefined when the message is
 * not a sign-off of `kind` `id` in that format.
 */
export function parseSignOffMessage(message: string, kind: 'stage' | 'phase', id: string): { runCommit: string } | undefined {
  const read = readTagMessage(message);
  const headline = SIGN_OFF_HEADLINE.exec(read?.headline ?? '');
  if (!read || headline?.[1] !== kind || headline[2] !== id || singleField(read, kind) !== id) return undefined;
  return { runCommit: singleField(read, kind === 'stage' ? 'run_commit' : 'exit_run_commit') ?? '' };
}
