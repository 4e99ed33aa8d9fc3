/**
 * The stagedocs library: the same core the CLI runs, for CI executors, orchestrators and editors.
 * Every function takes the repository root and the environment explicitly (nothing here reads
 * `process.cwd()` or `process.env`, writes to the console or sets an exit code); expected failures
 * are thrown as `StagedocsError` with a message, a hint and the contract's exit code.
 * docs/api.md has a runnable example.
 */

// Where stagedocs works: the folder of stagedocs.config.yaml, inside the git work tree
export { resolveRoot, type StagedocsRoot } from './git/root.js';
export type { RootInput } from './api/root.js';

// Configuration
export { loadConfig, parseConfig } from './engine/config.js';
export { CONFIG_FILES, type LoadedConfig } from './config/config.js';
export { defaultConfig, type Config, type RuleConfig, type RuleSetting } from './model/config.js';

// The repository: documents, their diagnostics and the gate evidence, read through the caches
export { loadRepository, type EvidenceMode, type LoadedRepository, type LoadRepositoryOptions } from './engine/load-repository.js';

// Validation: what `stagedocs validate` reports
export { validate, type ValidateRequest, type ValidateReport } from './api/validate.js';

// The verdict: what `stagedocs status` and the audit pack report
export { assess, assessPhase, assessStage, type AssessRequest, type PhaseVerdict, type StageVerdict } from './api/assess.js';
export type { StageState } from './audit/assess.js';
export type { StatusReport, StatusPhase, StatusStage } from './audit/status.js';
export { stageStatus } from './api/assess.js';
export type { StageStatusReport } from './audit/status.js';
export type { RequirementTrend, TrendPoint, TrendDirection } from './audit/trends.js';

// The handoff of a stage to a person or an agent: what `stagedocs context` prints
export { DEFAULT_CONTEXT_MAX_CHARS, nextStageId, stageContext, type ContextRequest, type ContextResult, type StageContext } from './api/context.js';

// The pre-edit check of agent hooks: what `stagedocs guard` decides
export { guardEdit, type GuardReason, type GuardRefusal, type GuardRequest, type GuardVerdict } from './api/guard.js';

// What `stagedocs trace` and `stagedocs new-decision` do
export { trace, type StageTrace } from './api/trace.js';
export { newDecision, type NewDecisionRequest, type NewDecisionResult } from './api/new-decision.js';

// Approvals: what `stagedocs approve` records, and how the verdict counts them
export { approve, type ApproveOutcome, type ApproveRequest } from './api/approve.js';
export { tallyApprovals, type ApprovalsJson, type ApprovalsSpec, type ApprovalTally, type JudgedApproval } from './model/approvals.js';

// Gate runs: what `stagedocs gate run` does
export { runGates, type RunGatesRequest, type RunOutcome, type RunProgress } from './api/run-gates.js';
export {
  gatePlan,
  githubMatrix,
  GITHUB_MATRIX_LIMIT,
  type DueReason,
  type GatePlan,
  type GatePlanRequest,
  type GithubMatrix,
  type HeldStage,
  type PlanEntry,
} from './api/gate-plan.js';

// Audit packs: what `stagedocs audit-pack` renders
export { auditPack, type AuditPackRequest, type AuditPackResult } from './api/audit-pack.js';
export type { AuditPack } from './audit/pack.js';

// The rules
export { RULES, ruleById } from './rules/index.js';
export type { Rule, RuleMeta } from './rules/types.js';

// Errors and exit codes
export { ConfigError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, NotInGitRepositoryError, RootOutsideWorkTreeError, StagedocsError, UsageError } from './model/errors.js';

// The document model
export type { Diagnostic, Severity } from './model/diagnostic.js';
export type {
  ContractFile,
  DecisionFrontmatter,
  DecisionStatus,
  DocumentKind,
  FreezeFile,
  GateSpec,
  GateType,
  ParsedDocument,
  PhaseFrontmatter,
  StageFrontmatter,
  WorkStatus,
} from './model/documents.js';
export type { GateOutcome, GateResult, RunReport } from './model/evidence.js';
export type { KnownContract, RepositoryModel, Typed } from './model/repository.js';

// Outcome contracts: the gates a stage must pass (docs/contracts.md)
export { effectiveGates, gateDefinitionSha256, knownContracts, stageGates, type EffectiveGate } from './model/contracts.js';
