import { assessPhase as assessLoadedPhase, assessStage as assessLoadedStage, type AssessmentContext, type PhaseAssessment, type StageAssessment } from '../audit/assess.js';
import { globMatcher } from '../audit/files.js';
import { buildStatus, type StatusReport } from '../audit/status.js';
import { signOffTags, withInputHashes, workspaceOf } from '../audit/workspace.js';
import { loadConfig } from '../engine/config.js';
import { loadRepository } from '../engine/load-repository.js';
import { runHistoryFacts, runTrustOf } from '../git/run-trust.js';
import type { Env } from '../git/exec.js';
import { UsageError } from '../model/errors.js';
import { locate, type RootInput } from './root.js';

export interface AssessRequest {
  /** The repository: a folder in it, or the root `resolveRoot` gave. */
  root: RootInput;
  /** The environment git runs with (for the sign-off tags). */
  env: Env;
}

/** The assessment of one stage, with its id: what `status` shows for it and why. */
export interface StageVerdict extends StageAssessment {
  id: string;
  phase: string;
  file: string;
}

/** Everything a verdict is computed from, read once: the documents, their errors, the runs and the tags. */
export async function assessmentContext(request: AssessRequest): Promise<AssessmentContext> {
  const { root } = await locate(request.root, request.env, 'optional');
  const loaded = await loadConfig(root);
  // git (tags, HEAD's history, the committed evidence) runs while the documents are read.
  const facts = runHistoryFacts(root, loaded.config.paths.gate_results, request.env);
  const tags = signOffTags(root, loaded.config, request.env);
  facts.catch(() => undefined);
  tags.catch(() => undefined);
  const workspace = workspaceOf(await loadRepository(root, { config: loaded, evidence: 'read' }));
  // Sign-off tags need git; without a repository there are none and the assessment still holds.
  return {
    model: workspace.model,
    runs: workspace.runs,
    tags: new Map((await tags).map((tag) => [tag.name, tag])),
    errorsByFile: workspace.errorsByFile,
    trust: runTrustOf(workspace.registry, await facts),
    globMatches: globMatcher(root),
    ...(await withInputHashes(root, request.env, workspace.model)),
  };
}

/** The progress of every phase and stage: what `stagedocs status --format json` prints. */
export async function assess(request: AssessRequest): Promise<StatusReport> {
  return buildStatus(await assessmentContext(request));
}

/**
 * The verdict on one stage: its state, next action, blockers, runs and whether sign-off is allowed,
 * computed exactly as `status` and the audit pack compute it. Throws `UsageError` for an unknown id.
 */
export async function assessStage(request: AssessRequest & { stage: string }): Promise<StageVerdict> {
  const context = await assessmentContext(request);
  const stage = context.model.stages.find((candidate) => candidate.data.id === request.stage);
  if (!stage) throw new UsageError(`No stage has the id \`${request.stage}\``, 'A stage with schema errors is not counted: validate the repository first.');
  return { id: stage.data.id, phase: stage.data.phase, file: stage.doc.file, ...assessLoadedStage(context, stage) };
}

/** The assessment of one phase, with its file: its contract's entry, exit, readiness and what its sign-off needs. */
export interface PhaseVerdict extends PhaseAssessment {
  file: string;
}

/**
 * The verdict on one phase, computed as `status` and `sign-off` compute it (audit/assess.ts
 * `assessPhase`): entry problems, missing exit files, the exit gates' runs, readiness and the sign-off
 * needs. Throws `UsageError` for an unknown id.
 */
export async function assessPhase(request: AssessRequest & { phase: string }): Promise<PhaseVerdict> {
  const context = await assessmentContext(request);
  const phase = context.model.phases.find((candidate) => candidate.data.id === request.phase);
  if (!phase) throw new UsageError(`No phase has the id \`${request.phase}\``, 'A phase with schema errors is not counted: validate the repository first.');
  return { file: phase.doc.file, ...assessLoadedPhase(context, phase) };
}
