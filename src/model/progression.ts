import { dependenciesOf, stageById, type RepositoryModel } from './repository.js';
import { gateType, type GateSpec, type StageFrontmatter } from './documents.js';
import { type RegistryCheck, type RunReport, type RunFolder } from './evidence.js';
import { compareStrings } from './diagnostic.js';
import { StagedocsError, EXIT_FAILED } from './errors.js';
import { changedContractRequirements, gateDefinitionSha256, stageGates, type EffectiveGate } from './contracts.js';

/**
 * The one notion of "a run that counts" that every command reads: `validate` (done-needs-passing-run),
 * `status`, `audit-pack`, `gate run` (progression) and `sign-off`. A run counts for a stage when it
 * finished, ran every one of the stage's *current* gates (not limited with `--gate`), was recorded on
 * a clean working tree at a commit in HEAD's history, was not made unofficially (`--allow-host` on a
 * runner without the labels its gates need), and its report.json hashes to what its registry row says. A stage has passed when its newest counting run passed: an older pass does not outweigh a
 * newer failure.
 */

/** What is known, besides the run folders, to judge runs; gathered once per command by its caller. */
export interface RunTrust {
  /** The registry checked against the run folders; a run without a matching row does not count. Undefined: not checked (no run counts). */
  registry: RegistryCheck | undefined;
  /** Every commit reachable from HEAD; undefined outside git (the history condition cannot be checked and is skipped). */
  history: ReadonlySet<string> | undefined;
  /** Repository-relative files tracked at HEAD under the gate results folder; undefined when not known. */
  committed?: ReadonlySet<string>;
}

/** Why a finished run does not count. */
export type RunDiscount = 'partial' | 'other-gates' | 'dirty' | 'not-in-history' | 'unverified' | 'unofficial';

export const DISCOUNT_TEXT: Record<RunDiscount, string> = {
  partial: 'ran only some gates (--gate)',
  'other-gates': 'ran other gates than the stage has now',
  dirty: 'was recorded on a working tree with uncommitted changes',
  'not-in-history': "was made at a commit that is not in HEAD's history",
  unverified: 'has no registry row matching its report.json hash',
  unofficial: 'was unofficial: made with --allow-host on a runner without the labels its gates need (runs_on)',
};

export interface JudgedRun {
  folder: RunFolder & { report: RunReport };
  report: RunReport;
  discounts: RunDiscount[];
}

/** Everything about one stage's runs that a verdict reads. */
export interface StageRuns {
  /** Every finished run of the stage, oldest first, with why it does not count (empty: it counts). */
  judged: JudgedRun[];
  /** The counting runs, oldest first. */
  counting: JudgedRun[];
  /** The newest counting run. */
  last: JudgedRun | undefined;
  /** The newest counting run passed. */
  passed: boolean;
  /** Run folders of the stage without a usable report.json (killed mid-way, or still running). */
  unfinished: RunFolder[];
}

/**
 * Whether a run ran the stage's current gates (its effective gates, contracts included): the same
 * gate ids, types, severities and commands, and, when the run recorded it, the same digest of each
 * gate's whole definition (`definition_sha256`: a threshold, a glob, a request). A passing run of
 * gates that were since changed (a command swapped, a gate made a warning, a contract's max_rate
 * lowered) does not prove the stage. Reports written before the digest existed are compared as before.
 */
export function ranCurrentGates(report: RunReport, gates: readonly GateSpec[]): boolean {
  if (report.gates.length !== gates.length) return false;
  return gates.every((gate) => {
    const ran = report.gates.find((result) => result.id === gate.id);
    return (
      ran !== undefined &&
      ran.type === gateType(gate) &&
      ran.severity === (gate.severity ?? 'blocking') &&
      (ran.command ?? undefined) === (gate.run ?? undefined) &&
      (ran.definition_sha256 === undefined || ran.definition_sha256 === gateDefinitionSha256(gate))
    );
  });
}

/** A run limited to some gates with `--gate`. */
export function isPartialRun(report: RunReport): boolean {
  return report.selected_gates !== undefined && report.selected_gates.length > 0;
}

/** Run ids whose report and registry row disagree, or that have no row, or whose report is unusable. */
const unverifiedIndex = new WeakMap<RegistryCheck, Set<string>>();
/** The runs whose report.json has no registry row matching its hash (or cannot be read): what they claim is not evidence. */
export function unverifiedRuns(registry: RegistryCheck): ReadonlySet<string> {
  let known = unverifiedIndex.get(registry);
  if (!known) {
    known = new Set([...registry.problems.map((problem) => problem.runId), ...registry.unreadable.map((run) => run.runId)]);
    unverifiedIndex.set(registry, known);
  }
  return known;
}

/** Why a finished run of a stage does not count (empty when it counts); `gates` are the stage's effective gates (model/contracts.ts). */
export function discountsOf(report: RunReport, runId: string, gates: readonly GateSpec[], trust: RunTrust): RunDiscount[] {
  const discounts: RunDiscount[] = [];
  if (isPartialRun(report)) discounts.push('partial');
  if (!ranCurrentGates(report, gates)) discounts.push('other-gates');
  if (report.dirty !== false) discounts.push('dirty');
  if (trust.history !== undefined && (report.commit === null || !trust.history.has(report.commit))) discounts.push('not-in-history');
  if (trust.registry === undefined || unverifiedRuns(trust.registry).has(runId)) discounts.push('unverified');
  if (report.unofficial === true) discounts.push('unofficial');
  return discounts;
}

/** The run folders grouped by the stage their report (or, unfinished, their folder name) names. */
const foldersByStage = new WeakMap<readonly RunFolder[], { length: number; byStage: Map<string, RunFolder[]> }>();
function foldersOf(runs: readonly RunFolder[], stageId: string): RunFolder[] {
  let known = foldersByStage.get(runs);
  if (!known || known.length !== runs.length) {
    const byStage = new Map<string, RunFolder[]>();
    for (const run of runs) {
      const id = run.report?.stage_id ?? stageOfRunId(run.runId);
      if (id === undefined) continue;
      const list = byStage.get(id);
      if (list) list.push(run);
      else byStage.set(id, [run]);
    }
    known = { length: runs.length, byStage };
    foldersByStage.set(runs, known);
  }
  return known.byStage.get(stageId) ?? [];
}

/** The stage id of a run id `<stage-id>_<timestamp>`. */
export function stageOfRunId(runId: string): string | undefined {
  const at = runId.lastIndexOf('_');
  return at > 0 ? runId.slice(0, at) : undefined;
}

/**
 * The runs of a stage judged with what is known: the one function behind every command's "has it
 * passed". `gates` are what the stage must pass now: `stageGates(model, stage)` (its contracts'
 * requirements and its own gates), or a phase's exit gates.
 */
export function stageRuns(stage: StageFrontmatter, runs: readonly RunFolder[], trust: RunTrust, gates: readonly GateSpec[]): StageRuns {
  const folders = foldersOf(runs, stage.id);
  const judged: JudgedRun[] = folders
    .filter((folder): folder is RunFolder & { report: RunReport } => folder.report !== undefined && folder.report.stage_id === stage.id)
    .sort((a, b) => compareStrings(a.report.started_at, b.report.started_at) || compareStrings(a.runId, b.runId))
    .map((folder) => ({ folder, report: folder.report, discounts: discountsOf(folder.report, folder.runId, gates, trust) }));
  const counting = judged.filter((run) => run.discounts.length === 0);
  const last = counting.at(-1);
  const unfinished = folders.filter((folder) => folder.report === undefined);
  return { judged, counting, last, passed: last?.report.overall_pass === true, unfinished };
}

/**
 * Why a stage's runs do not show it passed, in one line (for messages). Given the stage's effective
 * gates with their origin, a run that ran other gates than the stage has now names the contracts
 * whose requirements changed since (what a reviewer looks for when a `done` stage turns red).
 */
export function notPassedReason(stage: StageFrontmatter, judged: StageRuns, gates?: readonly EffectiveGate[]): string {
  if (judged.last) {
    // Which blocking gates failed, as a reviewer needs to know what to fix (what sign-off always said).
    const failed = judged.last.report.gates.filter((gate) => gate.severity === 'blocking' && gate.outcome !== 'pass').map((gate) => `${gate.id} (${gate.outcome}: ${gate.summary})`);
    return `its newest counting run, ${judged.last.report.run_id}, failed${failed.length > 0 ? ` its blocking gates: ${failed.join(', ')}` : ''}`;
  }
  if (judged.judged.length === 0) return 'it has no finished gate run';
  const newest = judged.judged.at(-1)!;
  const changed = gates && newest.discounts.includes('other-gates') ? changedContractRequirements(newest.report, gates) : [];
  const contracts = changed.length > 0 ? `; changed since: ${changed.join(', ')}` : '';
  return `none of its ${judged.judged.length} finished run(s) counts (the newest, ${newest.report.run_id}, ${newest.discounts.map((discount) => DISCOUNT_TEXT[discount]).join(' and ')}${contracts})`;
}

/** Dependencies of a stage with neither a passing counting run nor a sign-off tag. */
export function dependenciesWithoutPass(model: RepositoryModel, stage: StageFrontmatter, runs: readonly RunFolder[], trust: RunTrust, signedOff: (stageId: string) => boolean): string[] {
  return dependenciesOf(model, stage).filter((dependency) => {
    if (signedOff(dependency)) return false;
    const other = stageById(model, dependency);
    return !other || !stageRuns(other.data, runs, trust, stageGates(model, other.data)).passed;
  });
}

/** Linear progression at run time: refuses (exit 1) a stage whose dependencies have not passed their gates. */
export function checkProgression(model: RepositoryModel, stage: StageFrontmatter, runs: readonly RunFolder[], trust: RunTrust, signedOff: (stageId: string) => boolean): void {
  const pending = dependenciesWithoutPass(model, stage, runs, trust, signedOff);
  if (pending.length === 0) return;
  const names = pending.map((id) => `\`${id}\``).join(', ');
  throw new StagedocsError(
    `Stage \`${stage.id}\` depends on ${names}, which ${pending.length === 1 ? 'has' : 'have'} no passing gate run that counts and no sign-off`,
    EXIT_FAILED,
    `Run \`stagedocs gate run ${pending[0]}\` until it passes (on a clean tree, at a commit of this branch) first.`,
  );
}
