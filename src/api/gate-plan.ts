import { buildPlan, type GatePlan } from '../audit/plan.js';
import { filesChangedSince } from '../git/changed-files.js';
import type { Env } from '../git/exec.js';
import { OptionError, UsageError } from '../model/errors.js';
import { ID_RULE, isValidId } from '../model/ids.js';
import { entrySubjectId } from '../model/phase-contract.js';
import { assessmentContext } from './assess.js';
import { locate, type RootInput } from './root.js';

export type { DueReason, GatePlan, GithubMatrix, HeldStage, PhaseGates, PlanEntry } from '../audit/plan.js';
export { GITHUB_MATRIX_LIMIT, githubMatrix } from '../audit/plan.js';

export interface GatePlanRequest {
  /** The repository (inside a git work tree). */
  root: RootInput;
  /** The environment git runs with. */
  env: Env;
  /** A ref: stages whose document, freeze file or frozen inputs changed since it (`git diff <ref>...HEAD`) are due too. */
  changedSince?: string;
  /** Plan only these stages (and phase runs: a phase id for its exit gates, `<phase-id>-entry` for its entry gates). */
  stages?: readonly string[];
}

/**
 * The gate runs that are due, in waves that respect `depends_on` and each with the runner labels it
 * needs: what `stagedocs gate plan` prints. Computed from the same verdict as `status`. Phases' entry
 * and exit gates are planned too: entry gates before their stages, exit gates after them.
 */
export async function gatePlan(request: GatePlanRequest): Promise<GatePlan> {
  for (const id of request.stages ?? []) {
    if (!isValidId(id)) throw new OptionError('planStages', String(id), 'is not a valid stage id', ID_RULE);
  }
  const { root } = await locate(request.root, request.env, 'required');
  const [context, files] = await Promise.all([
    assessmentContext({ root, env: request.env }),
    request.changedSince === undefined ? undefined : filesChangedSince(root, request.changedSince, request.env),
  ]);
  const subjects = new Set([...context.model.stages.map((stage) => stage.data.id), ...context.model.phases.flatMap((phase) => [phase.data.id, entrySubjectId(phase.data.id)])]);
  const unknown = (request.stages ?? []).filter((id) => !subjects.has(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `No stage has the id ${unknown.map((id) => `\`${id}\``).join(', ')}`,
      'A stage with schema errors is not counted: run `stagedocs validate` first. A phase id plans its exit gates, `<phase-id>-entry` its entry gates.',
    );
  }
  return buildPlan(context, { changed: files && request.changedSince !== undefined ? { ref: request.changedSince, files } : undefined, stages: request.stages });
}
