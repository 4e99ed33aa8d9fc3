import { assessStage } from '../audit/assess.js';
import { assertStageId } from '../gates/stage-model.js';
import type { Env } from '../git/exec.js';
import { traceStage, type StageTrace as GitTrace } from '../git/trace.js';
import { approvalsJson, type ApprovalsJson } from '../model/approvals.js';
import { UsageError } from '../model/errors.js';
import { stageById } from '../model/repository.js';
import { loadAssessment } from './assess.js';
import { locate, type RootInput } from './root.js';

/** A stage's trace, with the verdict every command reports of it. */
export interface StageTrace extends GitTrace {
  /** What the one assessment established (audit/assess.ts), as status and sign-off report it. */
  verdict: { state: string; passed: boolean; sign_off_allowed: boolean; next_action: string };
  /** Its approvals: each tag with who, when, the commit and whether it counts (or why not); null when it declares none. */
  approvals: ApprovalsJson | null;
}

/**
 * The commits that touched a stage's document, decision notes, freeze file and evidence, its gate
 * runs (each marked as counting or not, and why), its sign-off tag and its approvals, with the stage's verdict:
 * what `stagedocs trace --format json` prints. Needs git.
 */
export async function trace(request: { root: RootInput; env: Env; stage: string }): Promise<StageTrace> {
  assertStageId(request.stage);
  const located = await locate(request.root, request.env, 'required');
  const { context, repository, head } = await loadAssessment({ root: located, env: request.env });
  const { config, model } = repository;
  const stage = stageById(model, request.stage);
  if (!stage) throw new UsageError(`No stage with id \`${request.stage}\` in this repository`, 'Check the id with `stagedocs status`; a stage with schema errors is not counted (run `stagedocs validate`).');
  const assessment = assessStage(context, stage);
  const traced = await traceStage(repository.root, config, model, stage, context.runs, assessment.judged, head, request.env);
  return {
    ...traced,
    verdict: { state: assessment.state, passed: assessment.passed, sign_off_allowed: assessment.signOffAllowed, next_action: assessment.nextAction },
    approvals: assessment.approvals ? approvalsJson(assessment.approvals) : null,
  };
}
