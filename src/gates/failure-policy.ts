import type { RepositoryModel } from '../model/repository.js';
import type { RunReport } from '../model/evidence.js';
import { findSection } from '../model/sections.js';
import { StagedocsError, UsageError, EXIT_FAILED } from '../model/errors.js';
import { isValidId } from '../model/ids.js';

/** The section a decision note must have to start a rerun after a failed gate. */
export const ROOT_CAUSE_SECTION = 'Root cause';

/**
 * Failed runs are kept, and a stage is not simply rerun until it passes: after a failed run, the next
 * run must name (`--decision`) a decision note other than the one behind the failed run, which exists
 * and explains the failure in a non-empty `Root cause` section. Refusals throw before anything is
 * written, with exit 1 (the checked thing, the rerun policy, failed).
 *
 * `runs` are the stage's finished runs, oldest first; unfinished runs (killed) and runs recorded as
 * interrupted (Ctrl-C) do not count.
 */
export function checkRerunPolicy(model: RepositoryModel, stageId: string, runs: readonly RunReport[], decisionTag: string | undefined): void {
  if (decisionTag !== undefined) assertDecisionExists(model, decisionTag);
  const counted = runs.filter((run) => run.interrupted !== true);
  const last = counted[counted.length - 1];
  if (!last || last.overall_pass) return;
  const failed = `The last run of \`${stageId}\` (${last.run_id}) failed`;
  if (decisionTag === undefined) {
    throw new StagedocsError(
      `${failed}; a rerun needs --decision <tag> naming a decision note with a \`${ROOT_CAUSE_SECTION}\` section`,
      EXIT_FAILED,
      'Write a decision note (`stagedocs new-decision "Rerun after ..."`) explaining the root cause, then run `stagedocs gate run ' + stageId + ' --decision <tag>`.',
    );
  }
  if (last.decision_tag === decisionTag) {
    throw new StagedocsError(
      `${failed} under decision \`${decisionTag}\`; a rerun needs a different decision note`,
      EXIT_FAILED,
      'Write a new decision note for this attempt (it may `supersedes` the old one) with its root cause.',
    );
  }
  const decision = model.decisions.find((note) => note.data.decision_tag === decisionTag)!;
  const rootCause = findSection(decision.doc, ROOT_CAUSE_SECTION);
  if (!rootCause || rootCause.empty) {
    throw new StagedocsError(
      `${failed}; decision \`${decisionTag}\` (${decision.doc.file}) ${rootCause ? `has an empty \`${ROOT_CAUSE_SECTION}\` section (line ${rootCause.line})` : `has no \`${ROOT_CAUSE_SECTION}\` section`}`,
      EXIT_FAILED,
      `Add a \`## ${ROOT_CAUSE_SECTION}\` section saying why the last run failed and what changed.`,
    );
  }
}

/** A `--decision` tag must be a valid id naming an existing (schema-valid) decision note. */
export function assertDecisionExists(model: RepositoryModel, decisionTag: string): void {
  if (!isValidId(decisionTag)) {
    throw new UsageError(`--decision \`${String(decisionTag).slice(0, 80)}\` is not a valid decision tag`, 'Decision tags look like `D-2026-11-21-001`.');
  }
  if (!model.decisions.some((note) => note.data.decision_tag === decisionTag)) {
    throw new UsageError(`--decision \`${decisionTag}\` names no decision note`, 'Create it with `stagedocs new-decision <title>`, or check `decisions/` for the tag (and run `stagedocs validate`).');
  }
}
