import { decisionByTag, type RepositoryModel } from '../model/repository.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { RunFolder } from '../model/evidence.js';
import { findSection } from '../model/sections.js';
import { DecisionTagError, RerunRefusedError } from '../model/errors.js';
import { isValidId } from '../model/ids.js';
import { compareStrings } from '../model/diagnostic.js';
import { unfinishedRootCause } from '../rules/rerun-root-cause.js';

/** The section a decision note must have to start a rerun after a failed gate. */
const ROOT_CAUSE_SECTION = 'Root cause';

/** The last attempt of a stage: its newest run folder, finished or not. */
export interface LastAttempt {
  runId: string;
  /** False for a failed run and for one that never finished (interrupted, killed): both count as failures. */
  passed: boolean;
  /** The run folder has no report.json (killed, or stopped by a file-system failure). */
  unfinished: boolean;
  decisionTag: string | null;
}

/**
 * The newest run folder of a stage (by run id, `<stage>_<UTC timestamp>`), finished or not. A run in
 * `unverified` (its report.json no longer hashes to its registry row) is taken as failed whatever its
 * report now says: otherwise editing a failed report to pass would let the next run skip its decision.
 */
export function lastAttempt(runs: readonly RunFolder[], stageId: string, unverified: ReadonlySet<string>): LastAttempt | undefined {
  const prefix = `${stageId}_`;
  const own = runs.filter((run) => (run.report ? run.report.stage_id === stageId : run.runId.startsWith(prefix)));
  const last = own.sort((a, b) => compareStrings(a.report?.started_at ?? timeOfRunId(a.runId), b.report?.started_at ?? timeOfRunId(b.runId)) || compareStrings(a.runId, b.runId)).at(-1);
  if (!last) return undefined;
  return { runId: last.runId, passed: last.report?.overall_pass === true && !unverified.has(last.runId), unfinished: last.report === undefined, decisionTag: last.report?.decision_tag ?? null };
}

/** `20261121T100000Z` of a run id as an ISO time, to order unfinished runs among finished ones. */
function timeOfRunId(runId: string): string {
  const match = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d*)Z?$/.exec(runId);
  return match ? `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}.000Z` : '';
}

/**
 * Failed runs are kept, and a stage is not simply rerun until it passes: after a failed run (or one
 * that never finished), the next run must name a decision note other than the one behind the failed
 * run, which exists, validates, is `proposed` or `accepted`, names this stage in `stages`, answers
 * this failed run where it names one (`rerun_of`), and explains the failure in a filled-in
 * `Root cause` section. Refusals throw (RerunRefusedError, exit 1: the checked thing, the rerun
 * policy, failed; DecisionTagError for a tag that names no note) before anything is written.
 *
 * `diagnostics` are the repository's validation findings (the note's errors refuse it); `unverified`
 * the runs without a registry row matching their report (model/progression.ts `unverifiedRuns`).
 * A run recorded as interrupted (Ctrl-C) or never finished (killed) counts as a failure: the attempt
 * did not prove the stage, and the next one needs its decision note like any rerun.
 */
export function checkRerunPolicy(model: RepositoryModel, stageId: string, runs: readonly RunFolder[], decisionTag: string | undefined, diagnostics: readonly Diagnostic[], unverified: ReadonlySet<string>): void {
  if (decisionTag !== undefined) assertDecisionExists(model, decisionTag);
  const last = lastAttempt(runs, stageId, unverified);
  if (!last || last.passed) return;
  if (decisionTag === undefined) throw new RerunRefusedError(stageId, last.runId, 'no-decision', undefined, undefined, undefined, undefined, last.unfinished);
  if (last.decisionTag === decisionTag) throw new RerunRefusedError(stageId, last.runId, 'same-decision', decisionTag, undefined, undefined, undefined, last.unfinished);
  const decision = decisionByTag(model, decisionTag)!;
  const file = decision.doc.file;
  const refuse = (problem: ConstructorParameters<typeof RerunRefusedError>[2], line?: number, found?: string) => new RerunRefusedError(stageId, last.runId, problem, decisionTag, file, line, found, last.unfinished);
  if (decision.data.status !== 'proposed' && decision.data.status !== 'accepted') throw refuse('note-status', undefined, decision.data.status);
  const stages = decision.data.stages ?? [];
  if (!stages.includes(stageId)) throw refuse('other-stage', undefined, stages.map((id) => `\`${id}\``).join(', '));
  if (decision.data.rerun_of !== undefined && decision.data.rerun_of !== '' && decision.data.rerun_of !== last.runId) throw refuse('other-run', undefined, decision.data.rerun_of);
  const rootCause = findSection(decision.doc, ROOT_CAUSE_SECTION);
  if (!rootCause || rootCause.empty) throw refuse(rootCause ? 'empty-root-cause' : 'no-root-cause', rootCause?.line);
  const unfinished = unfinishedRootCause(rootCause);
  if (unfinished) throw refuse('unfinished-root-cause', unfinished.line, unfinished.marker ? `\`${unfinished.marker}\`` : 'the scaffold text');
  const error = diagnostics.find((diagnostic) => diagnostic.file === file && diagnostic.severity === 'error');
  if (error) throw refuse('invalid-note', error.line, `${error.line}:${error.column} ${error.message} (${error.ruleId})`);
}

/** A decision tag must be a valid id naming an existing (schema-valid) decision note (DecisionTagError otherwise). */
export function assertDecisionExists(model: RepositoryModel, decisionTag: string): void {
  if (!isValidId(decisionTag)) throw new DecisionTagError(decisionTag, 'invalid');
  if (!model.decisions.some((note) => note.data.decision_tag === decisionTag)) throw new DecisionTagError(decisionTag, 'unknown');
}
