import { stageById, stagesOfPhase, type Typed } from '../model/repository.js';
import type { PhaseReadiness, StageFrontmatter } from '../model/documents.js';
import { approvalsJson, type ApprovalsJson } from '../model/approvals.js';
import { phaseEntrySubject, phaseGateSubject } from '../model/phase-contract.js';
import { DISCOUNT_TEXT, notPassedReason, type StageRuns } from '../model/progression.js';
import { assessPhase, assessStage, comparePhaseIds, phaseGateRuns, type AssessmentContext, type StageAssessment, type StageState } from './assess.js';
import { requirementTrends, type RequirementTrend } from './trends.js';

export interface StatusStage {
  id: string;
  title: string;
  status: string;
  state: StageState;
  last_run: { run_id: string; result: 'pass' | 'fail'; finished_at: string } | null;
  next_action: string;
  /** The stage passed: its newest counting run passed, or it is signed off. */
  passed: boolean;
  sign_off_allowed: boolean;
  /** What a sign-off still needs, each with what to do. */
  sign_off_needs: Array<{ reason: string; fix: string }>;
  /** Its approvals (who counts, who is missing, each tag and why it does not count); null when it declares none. */
  approvals: ApprovalsJson | null;
}

export interface StatusPhase {
  id: string;
  title: string;
  status: string;
  done: number;
  total: number;
  /** The phase's readiness as declared (maturity, risk, production_gate); null when it declares none. */
  readiness: PhaseReadiness | null;
  /** False when its readiness disallows production. */
  for_production: boolean;
  /** What of its entry contract does not hold, with the place in the phase document and what to do. */
  entry_unmet: Array<{ reason: string; fix: string; line: number; column: number }>;
  /** The newest counting run of its exit gates; null without exit gates or runs. */
  exit_run: { run_id: string; result: 'pass' | 'fail' } | null;
  /** Its entry gates' runs (`gate run <phase> --entry`): the newest, whether it counts, and why they do not pass; null without entry gates. */
  entry_gates: PhaseGatesStatus | null;
  /** Its exit gates' runs (`gate run <phase>`), as `entry_gates`; null without exit gates. */
  exit_gates: PhaseGatesStatus | null;
  /** A sign-off of the phase is allowed now (audit/assess.ts assessPhase). */
  sign_off_allowed: boolean;
  sign_off_needs: Array<{ reason: string; fix: string }>;
  /** Its approvals; null when it declares none. */
  approvals: ApprovalsJson | null;
  stages: StatusStage[];
}

/** Where a phase's entry or exit gates stand, next to what of the entry or the sign-off is unmet. */
export interface PhaseGatesStatus {
  /** The id their runs are recorded under: `<phase-id>-entry` for the entry gates, the phase id for the exit gates. */
  subject: string;
  /** The command that runs them. */
  command: string;
  /** The newest finished run, whether it counts or not; null before the first. */
  last_run: { run_id: string; result: 'pass' | 'fail'; finished_at: string; counts: boolean; not_counted_because: string[] } | null;
  /** The newest counting run passed: what the entry (entry gates) or the sign-off (exit gates) needs. */
  passed: boolean;
  /** Why they have not passed, as `sign-off` and `gate run` say it; null when they passed. */
  not_passed_reason: string | null;
}

export interface StatusReport {
  phases: StatusPhase[];
  /** Stages whose phase document is missing, so they still show up. */
  orphans: StatusStage[];
}

/** The progress of every phase and stage: pure, from the assessed model. */
export function buildStatus(context: AssessmentContext): StatusReport {
  const { model } = context;
  const row = (stage: Typed<StageFrontmatter>): StatusStage => statusStage(stage, assessStage(context, stage));
  const phaseIds = new Set(model.phases.map((phase) => phase.data.id));
  const phases = [...model.phases]
    .sort((a, b) => comparePhaseIds(a.data.id, b.data.id))
    .map((phase): StatusPhase => {
      const stages = stagesOfPhase(model, phase.data.id).map(row);
      const assessment = assessPhase(context, phase);
      const exitRun = assessment.exit.runs?.last?.report;
      return {
        id: phase.data.id,
        title: phase.data.title,
        status: phase.data.status,
        done: stages.filter((stage) => stage.state === 'done').length,
        total: stages.length,
        readiness: phase.data.readiness ?? null,
        for_production: assessment.forProduction,
        entry_unmet: assessment.entryProblems.map((problem) => ({ reason: problem.reason, fix: problem.fix, line: problem.place.line, column: problem.place.column })),
        exit_run: exitRun ? { run_id: exitRun.run_id, result: exitRun.overall_pass ? 'pass' : 'fail' } : null,
        ...phaseGatesOf(phase, { entryRuns: assessment.entryRuns, exitRuns: assessment.exit.runs }),
        sign_off_allowed: assessment.signOffAllowed,
        sign_off_needs: assessment.signOffNeeds.map(({ reason, fix }) => ({ reason, fix })),
        approvals: assessment.approvals ? approvalsJson(assessment.approvals) : null,
        stages,
      };
    });
  const orphans = model.stages.filter((stage) => !phaseIds.has(stage.data.phase)).map(row);
  return { phases, orphans };
}

/** The entry and exit gates of a phase as status, the audit pack and their JSON show them, from the one assessment. */
export function phaseGatesOf(phase: Parameters<typeof phaseGateSubject>[0], runs: ReturnType<typeof phaseGateRuns>): Pick<StatusPhase, 'entry_gates' | 'exit_gates'> {
  const id = phase.data.id;
  return {
    entry_gates: runs.entryRuns ? gatesStatus(phaseEntrySubject(phase).data, runs.entryRuns, `stagedocs gate run ${id} --entry`) : null,
    exit_gates: runs.exitRuns ? gatesStatus(phaseGateSubject(phase).data, runs.exitRuns, `stagedocs gate run ${id}`) : null,
  };
}

function gatesStatus(subject: StageFrontmatter, runs: StageRuns, command: string): PhaseGatesStatus {
  const newest = runs.judged.at(-1);
  return {
    subject: subject.id,
    command,
    last_run: newest
      ? {
          run_id: newest.report.run_id,
          result: newest.report.overall_pass ? 'pass' : 'fail',
          finished_at: newest.report.finished_at,
          counts: newest.discounts.length === 0,
          not_counted_because: newest.discounts.map((discount) => DISCOUNT_TEXT[discount]),
        }
      : null,
    passed: runs.passed,
    not_passed_reason: runs.passed ? null : notPassedReason(subject, runs),
  };
}

/**
 * One line per gates of a phase, for the status table, markdown and the audit pack:
 * `entry gates (P1-entry): pass, P1-entry_20261121T090000Z counts` or
 * `exit gates (P1): not passed: it has no finished gate run; run \`stagedocs gate run P1\``.
 */
function phaseGatesLine(which: 'entry' | 'exit', gates: PhaseGatesStatus): string {
  const last = gates.last_run;
  const newest = last ? `newest run ${last.run_id} ${last.result}, ${last.counts ? 'counts' : `does not count: it ${last.not_counted_because.join(' and ')}`}` : 'no run yet';
  const verdict = gates.passed ? 'passed' : `not passed: ${gates.not_passed_reason}; run \`${gates.command}\``;
  return `${which} gates (${gates.subject}): ${verdict} (${newest})`;
}

/** The lines of a phase's entry and exit gates (none for a phase without them), as status and the audit pack print them. */
export function phaseGatesLines(phase: Pick<StatusPhase, 'entry_gates' | 'exit_gates'>): string[] {
  return [phase.entry_gates ? phaseGatesLine('entry', phase.entry_gates) : '', phase.exit_gates ? phaseGatesLine('exit', phase.exit_gates) : ''].filter((line) => line !== '');
}

function statusStage(stage: Typed<StageFrontmatter>, assessment: StageAssessment): StatusStage {
  const last = assessment.lastRun;
  return {
    id: stage.data.id,
    title: stage.data.title,
    status: stage.data.status,
    state: assessment.state,
    last_run: last ? { run_id: last.run_id, result: last.overall_pass ? 'pass' : 'fail', finished_at: last.finished_at } : null,
    next_action: assessment.nextAction,
    passed: assessment.passed,
    sign_off_allowed: assessment.signOffAllowed,
    sign_off_needs: assessment.signOffNeeds.map(({ reason, fix }) => ({ reason, fix })),
    approvals: assessment.approvals ? approvalsJson(assessment.approvals) : null,
  };
}

/** `status --stage <id>`: the stage's row, where it is, and every measured requirement's value across its runs. */
export interface StageStatusReport {
  stage: StatusStage & { phase: string; file: string };
  /** Every requirement its runs measured, each with its full series (audit/trends.ts). */
  trends: RequirementTrend[];
}

/** One stage's status and trends, from the same assessment as `buildStatus`; undefined for an unknown id. */
export function buildStageStatus(context: AssessmentContext, stageId: string): StageStatusReport | undefined {
  const stage = stageById(context.model, stageId);
  if (!stage) return undefined;
  const assessment = assessStage(context, stage);
  return { stage: { ...statusStage(stage, assessment), phase: stage.data.phase, file: stage.doc.file }, trends: requirementTrends(assessment.judged) };
}

/** `readiness: design-only, production disallowed (not for production); risk: execution very-high`, or '' when the phase declares none. */
export function readinessLine(phase: Pick<StatusPhase, 'readiness' | 'for_production'>): string {
  const readiness = phase.readiness;
  if (!readiness) return '';
  const parts = [
    readiness.maturity,
    readiness.production_gate ? `production ${readiness.production_gate}${phase.for_production ? '' : ' (not for production)'}` : undefined,
  ].filter((part): part is string => part !== undefined);
  const risks = Object.entries(readiness.risk ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, level]) => `${name} ${level}`);
  return `readiness: ${[parts.join(', '), risks.length > 0 ? `risk: ${risks.join(', ')}` : ''].filter((part) => part !== '').join('; ')}`;
}
