import type { RepositoryModel } from '../model/repository.js';
import type { RunReport } from '../model/evidence.js';
import { findSection } from '../model/sections.js';
import { DecisionTagError, RerunRefusedError } from '../model/errors.js';
import { isValidId } from '../model/ids.js';

/** The section a decision note must have to start a rerun after a failed gate. */
const ROOT_CAUSE_SECTION = 'Root cause';

/**
 * Failed runs are kept, and a stage is not simply rerun until it passes: after a failed run, the next
 * run must name a decision note other than the one behind the failed run, which exists and explains
 * the failure in a non-empty `Root cause` section. Refusals throw (RerunRefusedError, exit 1: the
 * checked thing, the rerun policy, failed; DecisionTagError for a tag that names no note) before
 * anything is written.
 *
 * `runs` are the stage's finished runs, oldest first; unfinished runs (killed) and runs recorded as
 * interrupted (Ctrl-C) do not count.
 */
export function checkRerunPolicy(model: RepositoryModel, stageId: string, runs: readonly RunReport[], decisionTag: string | undefined): void {
  if (decisionTag !== undefined) assertDecisionExists(model, decisionTag);
  const counted = runs.filter((run) => run.interrupted !== true);
  const last = counted[counted.length - 1];
  if (!last || last.overall_pass) return;
  if (decisionTag === undefined) throw new RerunRefusedError(stageId, last.run_id, 'no-decision');
  if (last.decision_tag === decisionTag) throw new RerunRefusedError(stageId, last.run_id, 'same-decision', decisionTag);
  const decision = model.decisions.find((note) => note.data.decision_tag === decisionTag)!;
  const rootCause = findSection(decision.doc, ROOT_CAUSE_SECTION);
  if (!rootCause || rootCause.empty) {
    throw new RerunRefusedError(stageId, last.run_id, rootCause ? 'empty-root-cause' : 'no-root-cause', decisionTag, decision.doc.file, rootCause?.line);
  }
}

/** A decision tag must be a valid id naming an existing (schema-valid) decision note (DecisionTagError otherwise). */
export function assertDecisionExists(model: RepositoryModel, decisionTag: string): void {
  if (!isValidId(decisionTag)) throw new DecisionTagError(decisionTag, 'invalid');
  if (!model.decisions.some((note) => note.data.decision_tag === decisionTag)) throw new DecisionTagError(decisionTag, 'unknown');
}
