import { stagesOfPhase } from '../model/repository.js';
import type { Typed } from '../model/repository.js';
import type { PhaseReadiness, StageFrontmatter } from '../model/documents.js';
import { approvalsJson, type ApprovalsJson } from '../model/approvals.js';
import { assessPhase, assessStage, comparePhaseIds, type AssessmentContext, type StageAssessment, type StageState } from './assess.js';
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
  /** A sign-off of the phase is allowed now (audit/assess.ts assessPhase). */
  sign_off_allowed: boolean;
  sign_off_needs: Array<{ reason: string; fix: string }>;
  /** Its approvals; null when it declares none. */
  approvals: ApprovalsJson | null;
  stages: StatusStage[];
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
        sign_off_allowed: assessment.signOffAllowed,
        sign_off_needs: assessment.signOffNeeds.map(({ reason, fix }) => ({ reason, fix })),
        approvals: assessment.approvals ? approvalsJson(assessment.approvals) : null,
        stages,
      };
    });
  const orphans = model.stages.filter((stage) => !phaseIds.has(stage.data.phase)).map(row);
  return { phases, orphans };
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
  const stage = context.model.stages.find((candidate) => candidate.data.id === stageId);
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
