import { assessPhase as assessLoadedPhase, assessStage as assessLoadedStage, type AssessmentContext, type PhaseAssessment, type StageAssessment } from '../audit/assess.js';
import { globMatcher } from '../audit/files.js';
import { buildStageStatus, buildStatus, type StageStatusReport, type StatusReport } from '../audit/status.js';
import { signOffTags, withInputHashes, workspaceOf } from '../audit/workspace.js';
import { loadConfig } from '../engine/config.js';
import { loadRepository, type LoadedRepository } from '../engine/load-repository.js';
import { approvalEvidence, approvalFacts, approvalTags } from '../git/approvals.js';
import { headCommit } from '../git/repository.js';
import { uncommittedChanges } from '../git/worktree-status.js';
import { runHistoryFacts, runTrustOf } from '../git/run-trust.js';
import type { Env } from '../git/exec.js';
import { UsageError } from '../model/errors.js';
import { phaseById, stageById } from '../model/repository.js';
import { locate, type RootInput } from './root.js';
import { gitInputs } from './validate.js';

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

/** What `loadAssessment` read: the context every verdict is computed from, and the repository behind it. */
export interface LoadedAssessment {
  context: AssessmentContext;
  repository: LoadedRepository<'check'>;
  /** HEAD's commit; undefined outside git or before the first commit. */
  head: string | undefined;
}

/**
 * Everything a verdict is computed from, read once and the same way for every command (status, the
 * audit pack, context, the MCP server, sign-off): the documents validated as `validate` validates
 * them (with the gate evidence and the history rules, both cached per HEAD), the runs, the sign-off
 * tags, the approval tags, HEAD's history and committed evidence, the frozen inputs' current hashes, and the working
 * tree's uncommitted changes. A command that read any of it differently could contradict another.
 */
export async function loadAssessment(request: AssessRequest): Promise<LoadedAssessment> {
  const located = await locate(request.root, request.env, 'optional');
  const { root } = located;
  const loaded = await loadConfig(root);
  const { config } = loaded;
  // git (HEAD, its history, the tags, the history rules, the work tree's state) runs while the documents are read.
  const head = located.gitTop === undefined ? Promise.resolve(undefined) : headCommit(root, request.env);
  const git = gitInputs(located, config, { env: request.env }, true);
  const facts = runHistoryFacts(root, config.paths.gate_results, request.env, { head });
  const tags = signOffTags(root, config, request.env);
  const approvalList = approvalTags(root, request.env);
  // The folder where older versions kept their caches is tool state, never work (as for a gate run's dirty check).
  const uncommitted = located.gitTop === undefined ? Promise.resolve(undefined) : uncommittedChanges(root, request.env, located.prefix).then((files) => files.filter((file) => !file.startsWith('.stagedocs/')));
  for (const pending of [head, git, facts, tags, approvalList, uncommitted]) pending.catch(() => undefined);
  // Handed on as promises: a load with nothing to reuse (a fresh clone) parses the documents meanwhile.
  const repository = await loadRepository(root, { config: loaded, evidence: 'check', extraRules: git.then((read) => read.rules), history: git.then((read) => read.history) });
  const workspace = workspaceOf(repository);
  const changed = await uncommitted;
  const headFacts = await facts;
  // Approvals are judged against the commits of the runs (an approval counts at or after the passing run's commit).
  const signedIds = new Set([...workspace.model.stages, ...workspace.model.phases].filter((document) => document.data.approvals?.signed === true).map((document) => document.data.id));
  const approvals = await approvalEvidence(root, request.env, approvalList, () => new Set(workspace.runs.flatMap((run) => (run.report?.commit ? [run.report.commit] : []))), signedIds);
  const context: AssessmentContext = {
    model: workspace.model,
    runs: workspace.runs,
    tags: new Map((await tags).map((tag) => [tag.name, tag])),
    errorsByFile: workspace.errorsByFile,
    trust: runTrustOf(workspace.registry, headFacts),
    globMatches: globMatcher(root),
    ...(await withInputHashes(root, request.env, workspace.model)),
    ...(changed ? { worktree: { uncommitted: changed } } : {}),
    approvals: { tags: approvals.tags, facts: approvalFacts(approvals, headFacts.history) },
  };
  return { context, repository, head: await head };
}

/** The context of every verdict (see `loadAssessment`). */
export async function assessmentContext(request: AssessRequest): Promise<AssessmentContext> {
  return (await loadAssessment(request)).context;
}

/** The progress of every phase and stage: what `stagedocs status --format json` prints. */
export async function assess(request: AssessRequest): Promise<StatusReport> {
  return buildStatus(await assessmentContext(request));
}

/**
 * One stage's status row and the trend of every requirement its runs measured: what
 * `stagedocs status --stage <id> --format json` prints. Throws `UsageError` for an unknown id.
 */
export async function stageStatus(request: AssessRequest & { stage: string }): Promise<StageStatusReport> {
  const report = buildStageStatus(await assessmentContext(request), request.stage);
  if (!report) throw new UsageError(`No stage has the id \`${request.stage}\``, 'Check the id with `stagedocs status`; a stage with schema errors is not counted (run `stagedocs validate`).');
  return report;
}

/**
 * The verdict on one stage: its state, next action, blockers, runs and whether sign-off is allowed,
 * computed exactly as `status` and the audit pack compute it. Throws `UsageError` for an unknown id.
 */
export async function assessStage(request: AssessRequest & { stage: string }): Promise<StageVerdict> {
  const context = await assessmentContext(request);
  const stage = stageById(context.model, request.stage);
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
  const phase = phaseById(context.model, request.phase);
  if (!phase) throw new UsageError(`No phase has the id \`${request.phase}\``, 'A phase with schema errors is not counted: validate the repository first.');
  return { file: phase.doc.file, ...assessLoadedPhase(context, phase) };
}
