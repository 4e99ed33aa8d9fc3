import path from 'node:path';
import { approvalsJson, type ApprovalsJson } from '../model/approvals.js';
import type { RepositoryModel, Typed } from '../model/repository.js';
import { dependenciesOf, phaseById, stageById, stagesOfPhase } from '../model/repository.js';
import type { CommitChanges } from '../git/history.js';
import { compareStrings } from '../model/diagnostic.js';
import type { DecisionFrontmatter, ParsedDocument, StageFrontmatter } from '../model/documents.js';
import { type RunFolder } from '../model/evidence.js';
import { describeDrift } from '../model/freeze-guard.js';
import { findSection } from '../model/sections.js';
import type { InlinePart } from '../render/escape.js';
import { phaseGatesOf, readinessLine, type PhaseGatesStatus } from './status.js';
import { assessStage, comparePhaseIds, phaseGateRuns, STATE_ORDER, type AssessmentContext, type BlockerCause, type NextActionKind, type StageAssessment, type StageState } from './assess.js';
import type { RegistryRow } from './registry-rows.js';
import { requirementTrends, type RequirementTrend } from './trends.js';

export const AUDIT_PACK_FORMAT = 'stagedocs-audit-pack/1';

/** Where the pack's time comes from: the same repository state always gives the same bytes. */
type GeneratedFrom = 'head-commit' | 'SOURCE_DATE_EPOCH';

/** The most important stages first: what a size-limited pack shows in full. */
const PACK_ORDER: readonly StageState[] = ['failed', 'blocked', 'validating', 'in-progress', 'not-started', 'done'];

/** Section titles a stage may use for its expected impact and risk (compared case-insensitively). */
const IMPACT_SECTIONS = ['Expected Impact and Risk', 'Impact and Risk', 'Expected Impact', 'Risks', 'Risk', 'Impact'];

export interface PackInput {
  /** What every stage's verdict is computed from, as status and sign-off compute it (api/assess.ts `loadAssessment`). */
  assessment: AssessmentContext;
  /** The rows of the gate registry, asked for only when a stage's traceability is built. */
  registry: () => RegistryRow[];
  /** Commits of the range, newest first (git log order). */
  commits: CommitChanges[];
  range: { base: string | undefined; baseSha: string | undefined; head: string; headSha: string };
  /** Explicit stage ids; undefined selects every stage whose files changed in the range. */
  stageIds: string[] | undefined;
  /** The time the pack shows: the head commit's committer time, or SOURCE_DATE_EPOCH; never the wall clock. */
  generatedAt: string;
  generatedFrom: GeneratedFrom;
  toolVersion: string;
  /** Prefix of evidence links (`https://github.com/o/r/blob/<sha>/`), or '' for repository-relative links. */
  linkBase: string;
  /** Whether a repository-relative file exists (report.md and run.log links are only given when they do). */
  exists(relativePath: string): boolean;
}

interface PackCommit {
  sha: string;
  short_sha: string;
  subject: string;
  date: string;
}

interface PackRun {
  run_id: string;
  started_at: string;
  overall_pass: boolean;
  result: 'pass' | 'fail';
  duration: string;
  duration_ms: number;
  gate_results: string;
  /** The artifacts the run kept (`gates[].artifacts`), each with the start of its sha256; null when none. */
  artifacts: string | null;
  commit: string | null;
  short_commit: string;
  dirty: boolean;
  decision_tag: string | null;
  report_md: string | null;
  run_log: string | null;
  freeze: string | null;
}

export interface StagePack {
  id: string;
  title: string;
  file: string;
  phase: string;
  phase_title: string;
  status: string;
  state: StageState;
  owner: string;
  position: string;
  changes: { commits: PackCommit[]; files: Array<{ path: string; change: string }> };
  decisions: Array<{ tag: string; title: string; status: string; date: string; file: string; rationale: string | null; root_cause: string | null; rerun_of: string | null }>;
  sections: { impact: string | null; rollback: string | null; open_questions: string | null };
  /** `trends`: every requirement the stage's runs measured (all its runs, not only this range's), with its full series (audit/trends.ts). */
  evidence: { runs: PackRun[]; earlier: string | null; freeze: string; trends: RequirementTrend[] };
  traceability: {
    sign_off_tag: string | null;
    evidence_commits: string[];
    registry_rows: Array<{ run_id: string; overall_pass: string; report_sha256: string; verified: string }>;
  };
  outcome: {
    next_action: string;
    blockers: string[];
    sign_off_allowed: boolean;
    /** The stage passed: its newest counting run passed, or it is signed off (the verdict every command reports). */
    passed: boolean;
    /** What a sign-off still needs, each with what to do. */
    sign_off_needs: Array<{ reason: string; fix: string }>;
    /** `next_action` in parts, commands as code. */
    next_action_parts: InlinePart[];
    next_action_kind: NextActionKind;
    /** `blockers` in parts, each with its cause. */
    blocker_details: Array<{ cause: BlockerCause; parts: InlinePart[] }>;
  };
  /** Its approvals (who counts, who is missing, each tag and why it does not count); null when it declares none. */
  approvals: ApprovalsJson | null;
  /** The stage's latest gate run, whether or not in the range. */
  last_run: { run_id: string; result: 'pass' | 'fail'; failed_gates: string[] } | null;
  /** How many commits of the range touched the stage's files, and how many files (a run folder counts once) changed. */
  change_count: { commits: number; files: number };
}

/** Stages with the same cause of blocking, one line however many they are. */
export interface BlockerGroup {
  cause: BlockerCause | 'failing-gates' | 'marked-blocked';
  /** What the stages share, e.g. `a dependency has no passing run`. */
  label: string;
  stages: string[];
  /** For a group of one, the stage's own line. */
  parts: InlinePart[];
}

export interface OverviewPhase {
  id: string;
  title: string;
  /**
   * The stages in order; in a long phase, a run of three or more consecutive stages in the same state
   * is one node (`id` the first, `last_id` the last, `count` how many), so the diagram stays readable.
   */
  nodes: Array<{ node: string; id: string; title: string; state: StageState; in_pack: boolean; count: number; last_id: string | null }>;
  edges: Array<{ from: string; to: string }>;
  /** The phase's readiness in a line (`readiness: design-only, production disallowed ...`), or null when it declares none. */
  readiness: string | null;
  /** Its entry gates' runs, as `status --format json` shows them; null without entry gates (or without the phase document). */
  entry_gates: PhaseGatesStatus | null;
  /** Its exit gates' runs, likewise. */
  exit_gates: PhaseGatesStatus | null;
}

export interface AuditPack {
  format: typeof AUDIT_PACK_FORMAT;
  generated_at: string;
  generated_from: GeneratedFrom;
  tool_version: string;
  range: { base: string | null; base_sha: string | null; head: string; head_sha: string; commit_count: number; description: string };
  selection: 'explicit' | 'changed';
  outcome: {
    summary: string;
    counts: Array<{ state: StageState; count: number }>;
    blockers: Array<{ stage: string; text: string }>;
    /** The blockers of blocked and failing stages, grouped by cause. */
    blocker_groups: BlockerGroup[];
  };
  overview: OverviewPhase[];
  stages: StagePack[];
  /** Documents changed in the range that failed validation, so no stage section can show them. */
  unreadable: Array<{ file: string; errors: number; first: string }>;
}

/** What a pack is built from, less the range's commits and the time: all known while `git log` still runs. */
type PackSetting = Omit<PackInput, 'commits' | 'generatedAt' | 'generatedFrom'>;

/** The time a pack shows (the head commit's, known once `git log` is done) and where it came from. */
export type PackTime = Pick<PackInput, 'generatedAt' | 'generatedFrom'>;

/**
 * Builds a pack in two steps, so that what does not need the range's commits can be done while
 * `git log` runs (over a long history it takes longer than reading the documents): the indexes at
 * once, each stage's assessment a slice at a time with `assessAhead`, then the pack with `build`.
 */
interface PackBuilder {
  /** Assesses up to `count` more of the stages the pack may hold; false once all of them are. */
  assessAhead(count: number): boolean;
  build(commits: CommitChanges[], time: PackTime): AuditPack;
}

export function packBuilder(setting: PackSetting): PackBuilder {
  const context = setting.assessment;
  const { model } = context;
  const indexes = packIndexes(setting);
  const owners = stageFileOwners(setting, indexes);
  const candidates = setting.stageIds ? model.stages.filter((stage) => setting.stageIds!.includes(stage.data.id)) : model.stages;
  let assessed = 0;
  return {
    assessAhead(count) {
      for (const end = Math.min(candidates.length, assessed + count); assessed < end; assessed++) assessedIn(context, candidates[assessed]!);
      return assessed < candidates.length;
    },
    build: (commits, time) => assemble({ ...setting, ...time, commits }, context, indexes, owners),
  };
}

/** Builds the audit pack's data: everything the templates (or `--format json`) show, sorted, no absolute paths. */
export function buildAuditPack(input: PackInput): AuditPack {
  return packBuilder(input).build(input.commits, input);
}

function assemble(input: PackInput, context: AssessmentContext, indexes: PackIndexes, owners: (file: string) => string[]): AuditPack {
  const { model } = input.assessment;
  // One pass over the range: each stage's commits, newest first, and the changes of each of those
  // commits that belong to the stage, without a scan per stage.
  const touched = new Map<string, CommitChanges[]>();
  const touchedFiles = new Map<string, Array<CommitChanges['changes']>>();
  for (const commit of input.commits) {
    for (const file of commit.changes) {
      for (const stageId of owners(file.path)) {
        const list = touched.get(stageId) ?? [];
        const files = touchedFiles.get(stageId) ?? [];
        if (list.at(-1) !== commit) {
          list.push(commit);
          files.push([]);
        }
        files.at(-1)!.push(file);
        touched.set(stageId, list);
        touchedFiles.set(stageId, files);
      }
    }
  }
  const selected = input.stageIds
    ? input.stageIds.map((id) => stageById(model, id)!)
    : model.stages.filter((stage) => touched.has(stage.data.id));

  // Run folders (`gate_results/<run-id>`) with a file added or changed in the range.
  const changedRunDirs = new Set<string>();
  const gateResults = `${model.config.paths.gate_results.replace(/\/+$/, '')}/`;
  for (const commit of input.commits) {
    for (const file of commit.changes) {
      const slash = file.path.startsWith(gateResults) ? file.path.indexOf('/', gateResults.length) : -1;
      if (slash !== -1) changedRunDirs.add(file.path.slice(0, slash));
    }
  }
  const inRange = (run: RunFolder) => input.range.base === undefined || changedRunDirs.has(run.dir);

  // Sorted by state, phase and id, with each stage's state and phase ranked once: thousands of stages
  // share a few hundred phases, and a numeric collation per comparison would dominate the sort.
  const phaseRank = new Map([...new Set(selected.map((stage) => stage.data.phase))].sort(comparePhaseIds).map((phase, rank) => [phase, rank]));
  const stages = selected
    .map((stage) => stagePack(input, context, indexes, stage, touched.get(stage.data.id) ?? [], touchedFiles.get(stage.data.id) ?? [], inRange))
    // Failing, then blocked, ...; within a state, stages changed in the range before the others.
    .map((stage) => ({ stage, importance: PACK_ORDER.indexOf(stage.state) * 2 + (stage.change_count.commits > 0 ? 0 : 1), phase: phaseRank.get(stage.phase)! }))
    .sort((a, b) => a.importance - b.importance || a.phase - b.phase || compareStrings(a.stage.id, b.stage.id))
    .map(({ stage }) => stage);

  const counts = STATE_ORDER.map((state) => ({ state, count: stages.filter((stage) => stage.state === state).length })).filter((entry) => entry.count > 0);
  const blockers = stages.flatMap((stage) =>
    stage.state === 'blocked' || stage.state === 'failed' ? [{ stage: stage.id, text: stage.outcome.next_action }] : [],
  );
  const blockerGroups = groupBlockers(stages);
  const unreadable = unreadableDocuments(input);
  const unreadableNote = unreadable.length > 0 ? ` ${unreadable.length} changed document${unreadable.length === 1 ? '' : 's'} fail${unreadable.length === 1 ? 's' : ''} validation.` : '';
  const summary =
    (stages.length === 0
      ? 'No stage documents, decision notes, freeze files or gate runs changed in this range.'
      : blockers.length > 0
        ? `Not ready: ${blockers.length} of ${stages.length} stage${stages.length === 1 ? '' : 's'} blocked or failing.`
        : `No blockers in ${stages.length} stage${stages.length === 1 ? '' : 's'}.`) + unreadableNote;
  const shortHead = input.range.headSha.slice(0, 12);
  return {
    format: AUDIT_PACK_FORMAT,
    generated_at: input.generatedAt,
    generated_from: input.generatedFrom,
    tool_version: input.toolVersion,
    range: {
      base: input.range.base ?? null,
      base_sha: input.range.baseSha ?? null,
      head: input.range.head,
      head_sha: input.range.headSha,
      commit_count: input.commits.length,
      description:
        input.range.base === undefined
          ? `all history up to ${input.range.head} (${shortHead})`
          : `${input.range.base} (${input.range.baseSha!.slice(0, 12)})..${input.range.head} (${shortHead})`,
    },
    selection: input.stageIds ? 'explicit' : 'changed',
    outcome: { summary, counts, blockers, blocker_groups: blockerGroups },
    overview: overviewOf(model, context, new Set(stages.map((stage) => stage.id))),
    stages,
    unreadable,
  };
}

/** What the stages of a blocker group share, in words: the pack's grouped blockers and summary rows. */
export const CAUSE_LABELS: Record<BlockerGroup['cause'], string> = {
  'failing-gates': 'a blocking gate failed in the latest run',
  'dependency-not-passed': 'a dependency has no passing run',
  'dependency-missing': 'a dependency does not exist',
  'phase-entry': "the entry of its phase is unmet",
  'freeze-missing': 'the freeze file is missing',
  'freeze-failed': 'freeze verification failed',
  'freeze-drift': 'a frozen input differs from its freeze file',
  'validation-error': 'the stage document fails validation',
  'done-without-pass': 'marked done without a passing run that counts',
  'marked-blocked': 'marked blocked in its document',
};

/**
 * The blockers of blocked and failing stages by cause, in the pack's order of stages: a pull request
 * where 299 stages wait on their predecessor gets one line for them, not 299.
 */
function groupBlockers(stages: StagePack[]): BlockerGroup[] {
  const groups = new Map<BlockerGroup['cause'], BlockerGroup>();
  const add = (cause: BlockerGroup['cause'], stage: StagePack, parts: InlinePart[]) => {
    const group = groups.get(cause);
    if (!group) groups.set(cause, { cause, label: CAUSE_LABELS[cause], stages: [stage.id], parts: [{ text: `${stage.id}: ` }, ...parts] });
    else if (group.stages.at(-1) !== stage.id) group.stages.push(stage.id);
  };
  for (const stage of stages) {
    if (stage.state === 'failed') add('failing-gates', stage, stage.outcome.next_action_parts);
    else if (stage.state !== 'blocked') continue;
    else if (stage.outcome.blocker_details.length === 0) add('marked-blocked', stage, stage.outcome.next_action_parts);
    else for (const blocker of stage.outcome.blocker_details) add(blocker.cause, stage, blocker.parts);
  }
  return [...groups.values()];
}

/** Changed documents (still present) that are not in the model because their frontmatter is invalid. */
function unreadableDocuments(input: PackInput): Array<{ file: string; errors: number; first: string }> {
  const { phases, stages, decisions, freezes, documents } = input.assessment.model;
  // Usually every document is valid (each is in one of the typed lists), and nothing needs a look.
  if (phases.length + stages.length + decisions.length + freezes.length === documents.length) return [];
  const valid = new Set([...phases, ...stages, ...decisions, ...freezes].map((typed) => typed.doc.file));
  const invalid = new Set(documents.map((doc) => doc.file).filter((file) => !valid.has(file)));
  const changed = new Set(input.commits.flatMap((commit) => commit.changes.map((file) => file.path)));
  return [...changed]
    .filter((file) => invalid.has(file))
    .sort()
    .map((file) => ({ file, errors: input.assessment.errorsByFile.get(file)?.count ?? 0, first: input.assessment.errorsByFile.get(file)?.first ?? '' }));
}

/** Which stages a changed path belongs to: the stage file, its decision notes, freeze file and run folders. */
function stageFileOwners(input: PackSetting, indexes: PackIndexes): (file: string) => string[] {
  const { model, runs } = input.assessment;
  const byFile = new Map<string, string[]>();
  const add = (file: string, stageId: string) => byFile.set(file, [...(byFile.get(file) ?? []), stageId]);
  for (const stage of model.stages) add(stage.doc.file, stage.data.id);
  for (const decision of model.decisions) {
    const stageIds = new Set([...(decision.data.stages ?? []), ...indexes.stagesNaming(decision.data.decision_tag).map((stage) => stage.data.id)]);
    for (const id of [...stageIds].sort()) add(decision.doc.file, id);
  }
  for (const freeze of model.freezes) add(freeze.doc.file, freeze.data.stage);
  const runStage = new Map(runs.map((run) => [run.runId, run.report?.stage_id ?? stageOfRunId(run.runId)]));
  const gateResults = `${model.config.paths.gate_results.replace(/\/+$/, '')}/`;
  const freezeDir = `${model.config.paths.freeze.replace(/\/+$/, '')}/`;
  // Memoised: a range of ten thousand commits asks about the same few hundred paths again and again.
  const memo = new Map<string, string[]>();
  return (file) => {
    let owners = memo.get(file);
    if (owners === undefined) {
      owners = ownersOf(file);
      memo.set(file, owners);
    }
    return owners;
  };
  function ownersOf(file: string): string[] {
    const direct = byFile.get(file);
    if (direct) return direct;
    if (file.startsWith(gateResults)) {
      const rest = file.slice(gateResults.length);
      const slash = rest.indexOf('/');
      if (slash === -1) return [];
      const runId = rest.slice(0, slash);
      return [runStage.get(runId) ?? stageOfRunId(runId)].filter((id): id is string => id !== undefined);
    }
    // A deleted freeze file is no longer in the model, and that is exactly what a reviewer must see.
    if (file.startsWith(freezeDir) && file.endsWith('.freeze.json')) return [path.posix.basename(file, '.freeze.json')];
    return [];
  }
}

/** Each stage is assessed once per pack: its section and the phase overview both show its state. */
const assessments = new WeakMap<AssessmentContext, Map<Typed<StageFrontmatter>, StageAssessment>>();

function assessedIn(context: AssessmentContext, stage: Typed<StageFrontmatter>): StageAssessment {
  let known = assessments.get(context);
  if (!known) assessments.set(context, (known = new Map()));
  let assessment = known.get(stage);
  if (!assessment) known.set(stage, (assessment = assessStage(context, stage)));
  return assessment;
}

/** `<stage-id>_<UTC timestamp>` -> stage id. */
function stageOfRunId(runId: string): string | undefined {
  const cut = runId.lastIndexOf('_');
  return cut > 0 ? runId.slice(0, cut) : undefined;
}

/**
 * The runs, registry rows and decision notes of each stage, grouped once: a pack of the whole history
 * holds thousands of stages, and a scan of every run and row per stage grows with their product.
 * Each list keeps the input's order.
 */
interface PackIndexes {
  runFoldersOf: (stageId: string) => RunFolder[];
  registryRowsOf: (stageId: string) => RegistryRow[];
  runById: ReadonlyMap<string, RunFolder>;
  decisionsOf: (stageId: string) => Array<Typed<DecisionFrontmatter>>;
  /** The stages whose `decision` is this tag. */
  stagesNaming: (decisionTag: string) => Array<Typed<StageFrontmatter>>;
}

function packIndexes(input: PackSetting): PackIndexes {
  const group = <T>(items: readonly T[], keysOf: (item: T) => Iterable<string | undefined>) => {
    const byKey = new Map<string, T[]>();
    for (const item of items) {
      for (const key of new Set(keysOf(item))) {
        if (key === undefined) continue;
        const list = byKey.get(key);
        if (list) list.push(item);
        else byKey.set(key, [item]);
      }
    }
    return (key: string) => byKey.get(key) ?? [];
  };
  let registryRowsByStage: ((stageId: string) => RegistryRow[]) | undefined;
  const runById = new Map<string, RunFolder>();
  // The first folder with an id wins, as `find` would.
  for (const run of input.assessment.runs) if (!runById.has(run.runId)) runById.set(run.runId, run);
  // A decision note belongs to the stages it lists and to every stage that names its tag.
  const stagesByTag = group(input.assessment.model.stages, (stage) => [stage.data.decision]);
  return {
    runFoldersOf: group(input.assessment.runs, (run) => [run.report?.stage_id]),
    registryRowsOf: (stageId) => (registryRowsByStage ??= group(input.registry(), (row) => [row.stage_id]))(stageId),
    runById,
    decisionsOf: group(input.assessment.model.decisions, (decision) => [...(decision.data.stages ?? []), ...stagesByTag(decision.data.decision_tag).map((stage) => stage.data.id)]),
    stagesNaming: stagesByTag,
  };
}

/** What a stage's section shows beyond its summary: built only when read (see `stagePack`). */
type StageDetails = Pick<StagePack, 'phase_title' | 'position' | 'changes' | 'decisions' | 'sections' | 'evidence' | 'traceability'>;

/**
 * A stage's pack entry. The summary (id, title, state, outcome: what ordering, the counts and the list
 * of left-out stages need) is built now; the rest is built on first read of any of its fields and then
 * kept. A pack of the whole history holds thousands of stages of which a size-limited markdown pack
 * shows only the first few in full: the others never read their sections (so the facts cache's side
 * file of document bodies is not even loaded) nor check their run folders on disk. `--format json`
 * and templates read every field and see the same values, in the same key order.
 */
function stagePack(
  input: PackInput,
  context: AssessmentContext,
  indexes: PackIndexes,
  stage: Typed<StageFrontmatter>,
  commits: CommitChanges[],
  /** For each of `commits`, its changes that belong to the stage. */
  commitFiles: Array<CommitChanges['changes']>,
  inRange: (run: RunFolder) => boolean,
): StagePack {
  const data = stage.data;
  const assessment = assessedIn(context, stage);
  let built: StageDetails | undefined;
  const details = () => (built ??= stageDetails(input, indexes, stage, assessment, commits, commitFiles, inRange));
  return {
    id: data.id,
    title: data.title,
    file: stage.doc.file,
    phase: data.phase,
    get phase_title() {
      return details().phase_title;
    },
    status: data.status,
    state: assessment.state,
    owner: data.owner ?? '(no owner)',
    get position() {
      return details().position;
    },
    get changes() {
      return details().changes;
    },
    get decisions() {
      return details().decisions;
    },
    get sections() {
      return details().sections;
    },
    get evidence() {
      return details().evidence;
    },
    get traceability() {
      return details().traceability;
    },
    outcome: {
      next_action: assessment.nextAction,
      blockers: assessment.blockers,
      sign_off_allowed: assessment.signOffAllowed,
      passed: assessment.passed,
      sign_off_needs: assessment.signOffNeeds.map(({ reason, fix }) => ({ reason, fix })),
      next_action_parts: assessment.nextActionParts,
      next_action_kind: assessment.nextActionKind,
      blocker_details: assessment.blockerDetails,
    },
    approvals: assessment.approvals ? approvalsJson(assessment.approvals) : null,
    last_run: lastRunOf(assessment),
    change_count: { commits: commits.length, files: countChangedFiles(commitFiles, input.assessment.model.config.paths.gate_results) },
  };
}

function lastRunOf(assessment: StageAssessment): StagePack['last_run'] {
  const last = assessment.lastRun;
  if (!last) return null;
  const failed = last.gates.filter((gate) => gate.outcome !== 'pass' && gate.severity === 'blocking').map((gate) => gate.id);
  return { run_id: last.run_id, result: last.overall_pass ? 'pass' : 'fail', failed_gates: failed };
}

/** How many entries `changedFiles` would list, without building them (a summary row needs only the count). */
function countChangedFiles(commitFiles: Array<CommitChanges['changes']>, gateResultsDir: string): number {
  const prefix = `${gateResultsDir.replace(/\/+$/, '')}/`;
  const shown = new Set<string>();
  for (const changes of commitFiles) {
    for (const file of changes) {
      const rest = file.path.startsWith(prefix) ? file.path.slice(prefix.length) : undefined;
      shown.add(rest !== undefined && rest.includes('/') ? `${prefix}${rest.slice(0, rest.indexOf('/'))}/` : file.path);
    }
  }
  return shown.size;
}

function stageDetails(
  input: PackInput,
  indexes: PackIndexes,
  stage: Typed<StageFrontmatter>,
  assessment: StageAssessment,
  commits: CommitChanges[],
  commitFiles: Array<CommitChanges['changes']>,
  inRange: (run: RunFolder) => boolean,
): StageDetails {
  const { model } = input.assessment;
  const data = stage.data;
  const siblings = stagesOfPhase(model, data.phase);
  const phase = phaseById(model, data.phase);

  const files = changedFiles(commitFiles, model.config.paths.gate_results);

  const decisions = indexes
    .decisionsOf(data.id)
    .sort((a, b) => compareStrings(a.data.date, b.data.date) || compareStrings(a.data.decision_tag, b.data.decision_tag))
    .map((decision) => decisionEntry(decision));

  const runFolders = indexes.runFoldersOf(data.id);
  const shown = runFolders.filter(inRange);
  const shownIds = new Set(shown.map((run) => run.runId));
  const earlierRuns = runFolders.filter((run) => !inRange(run));
  const earlier = earlierRuns.at(-1)?.report;
  const registryRows = indexes
    .registryRowsOf(data.id)
    .filter((row) => row.run_id !== undefined && shownIds.has(row.run_id))
    .map((row) => {
      const folder = indexes.runById.get(row.run_id!);
      const verified = !folder?.reportSha256 ? 'report.json missing' : folder.reportSha256 === row.report_sha256 ? 'matches report.json' : 'DIFFERS from report.json';
      return { run_id: row.run_id ?? '', overall_pass: row.overall_pass ?? '', report_sha256: (row.report_sha256 ?? '').slice(0, 12), verified };
    });

  return {
    phase_title: phase?.data.title ?? '(unknown phase)',
    position: `stage ${siblings.findIndex((sibling) => sibling.data.id === data.id) + 1} of ${siblings.length} in ${data.phase}`,
    changes: { commits: commits.map(packCommit), files },
    decisions,
    sections: {
      impact: sectionText(stage.doc, IMPACT_SECTIONS),
      rollback: sectionText(stage.doc, ['Rollback Plan', 'Rollback']),
      open_questions: sectionText(stage.doc, ['Open Questions']),
    },
    evidence: {
      runs: shown.map((run) => packRun(input, run)),
      earlier: earlier ? `${earlier.run_id}: ${earlier.overall_pass ? 'pass' : 'fail'} (before this range)` : null,
      freeze: freezeLine(input, data, assessment, commits),
      trends: requirementTrends(assessment.judged),
    },
    traceability: {
      sign_off_tag: assessment.signOffTag
        ? `${assessment.signOffTag.name} -> ${assessment.signOffTag.commit.slice(0, 12)}${commits.some((commit) => commit.sha === assessment.signOffTag!.commit) ? ' (a commit of this range)' : ''}`
        : null,
      evidence_commits: shown
        .map((run) => run.report!)
        .map((report) => `${report.run_id}: ${report.commit ? report.commit.slice(0, 12) : 'no commit'}${report.dirty ? ' (dirty working tree)' : ''}`),
      registry_rows: registryRows,
    },
  };
}

function packCommit(commit: CommitChanges): PackCommit {
  return { sha: commit.sha, short_sha: commit.shortSha, subject: commit.subject, date: commit.date };
}

/** The net change of each file since base (`commitFiles` newest first); a run folder's files are shown as the folder. */
function changedFiles(commitFiles: Array<CommitChanges['changes']>, gateResultsDir: string): Array<{ path: string; change: string }> {
  const first = new Map<string, string>();
  const last = new Map<string, string>();
  const prefix = `${gateResultsDir.replace(/\/+$/, '')}/`;
  for (const changes of [...commitFiles].reverse()) {
    for (const file of changes) {
      const rest = file.path.startsWith(prefix) ? file.path.slice(prefix.length) : undefined;
      const shown = rest !== undefined && rest.includes('/') ? `${prefix}${rest.slice(0, rest.indexOf('/'))}/` : file.path;
      if (!first.has(shown)) first.set(shown, file.status);
      last.set(shown, file.status);
    }
  }
  return [...first.keys()].sort().map((file) => ({
    path: file,
    change: last.get(file) === 'D' ? 'deleted' : first.get(file) === 'A' ? 'added' : 'modified',
  }));
}

function decisionEntry(decision: Typed<DecisionFrontmatter>): StagePack['decisions'][number] {
  return {
    tag: decision.data.decision_tag,
    title: decision.data.title,
    status: decision.data.status,
    date: decision.data.date,
    file: decision.doc.file,
    rationale: sectionText(decision.doc, ['Decision']),
    root_cause: sectionText(decision.doc, ['Root cause']),
    rerun_of: decision.data.rerun_of ?? null,
  };
}

function sectionText(doc: ParsedDocument, titles: string[]): string | null {
  for (const title of titles) {
    const section = findSection(doc, title);
    if (section && !section.empty) return section.text.trim();
  }
  return null;
}

function packRun(input: PackInput, folder: RunFolder): PackRun {
  const report = folder.report!;
  const link = (name: string) => (input.exists(`${folder.dir}/${name}`) && SAFE_PATH.test(folder.dir) ? `${input.linkBase}${encodeURI(`${folder.dir}/${name}`)}` : null);
  return {
    run_id: report.run_id,
    started_at: report.started_at,
    overall_pass: report.overall_pass,
    result: report.overall_pass ? 'pass' : 'fail',
    duration: formatDuration(report.duration_ms),
    duration_ms: report.duration_ms,
    gate_results: [...report.gates]
      .map((gate) => `${gate.id}: ${gate.outcome}${gate.outcome !== 'pass' && gate.severity === 'warning' ? ' (warning)' : ''}`)
      .join(', '),
    artifacts:
      report.gates
        .flatMap((gate) => gate.artifacts ?? [])
        .map((artifact) => `${artifact.path} (sha256 ${artifact.sha256.slice(0, 12)}, ${artifact.bytes} B)`)
        .join(', ') || null,
    commit: report.commit,
    short_commit: report.commit ? report.commit.slice(0, 12) : 'none',
    dirty: report.dirty,
    decision_tag: report.decision_tag,
    report_md: link('report.md'),
    run_log: link('run.log'),
    freeze: report.freeze ? (report.freeze.verified ? `verified ${report.freeze.file}` : `FAILED ${report.freeze.file}`) : null,
  };
}

/** Run folders are named by us; anything else gets no link rather than an escaped one. */
const SAFE_PATH = /^[A-Za-z0-9._\/-]+$/;

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * What was checked of the stage's freezes and when: the inputs re-hashed when the pack was made (the
 * one assessment's `freeze.verifiedNow`), and, separately, what the newest run found when it started.
 * A run's verification is history: it says nothing about an input changed after it.
 */
function freezeLine(input: PackInput, stage: StageFrontmatter, assessment: StageAssessment, commits: CommitChanges[]): string {
  const { freeze } = assessment;
  const lastRun = assessment.lastRun;
  const file = freeze.file ?? `${input.assessment.model.config.paths.freeze.replace(/\/+$/, '')}/${stage.id}.freeze.json`;
  const rewritten = commits.some((commit) => commit.changes.some((changed) => changed.path === file && (changed.status === 'M' || changed.status === 'D')));
  const parts: string[] = [];
  const guarded = freeze.guardedBy.length > 0;
  if (!freeze.file) parts.push(stage.freeze === 'required' ? `required but ${file} is missing` : guarded ? 'no freeze file of its own (not required)' : 'no freeze file (not required)');
  else parts.push(`${file} present`);
  if (rewritten) parts.push(`WARNING: ${file} was modified or deleted in this range; committed freeze files must not change`);
  const guards = `guarded by ${freeze.guardedBy.join(', ')}`;
  if (freeze.verifiedNow === true) parts.push(`${guards}: every frozen input re-hashed when this pack was made matches`);
  else if (freeze.verifiedNow === false) parts.push(`${guards}: FROZEN INPUTS CHANGED when this pack was made: ${freeze.drift.map((drift) => `${drift.input} (${describeDrift(drift)})`).join('; ')}`);
  else if (guarded) parts.push(`${guards}: inputs not re-hashed for this pack`);
  if (lastRun?.freeze) {
    parts.push(
      lastRun.freeze.verified
        ? `run ${lastRun.run_id} found its own inputs unchanged when it started (${lastRun.started_at})`
        : `verification FAILED in run ${lastRun.run_id} (changed: ${lastRun.freeze.changed.join(', ') || 'none'}; missing: ${lastRun.freeze.missing.join(', ') || 'none'})`,
    );
  }
  return parts.join('; ');
}

/** A phase of up to this many stages shows each as its own node. */
const OVERVIEW_STAGES_IN_FULL = 12;

function overviewOf(model: RepositoryModel, context: AssessmentContext, inPack: ReadonlySet<string>): OverviewPhase[] {
  const phaseIds = [...new Set(model.stages.filter((stage) => inPack.has(stage.data.id)).map((stage) => stage.data.phase))].sort(comparePhaseIds);
  let counter = 0;
  const nodeOf = new Map<string, string>();
  return phaseIds.map((phaseId) => {
    const stages = stagesOfPhase(model, phaseId);
    const states = stages.map((stage) => ({ stage, state: assessedIn(context, stage).state, in_pack: inPack.has(stage.data.id) }));
    // Runs of consecutive stages that look the same are one node in a long phase.
    const runs: Array<typeof states> = [];
    for (const entry of states) {
      const run = runs.at(-1);
      if (stages.length > OVERVIEW_STAGES_IN_FULL && run && run[0]!.state === entry.state && run[0]!.in_pack === entry.in_pack) run.push(entry);
      else runs.push([entry]);
    }
    const nodes: OverviewPhase['nodes'] = [];
    for (const run of runs.flatMap((members) => (members.length >= 3 ? [members] : members.map((member) => [member])))) {
      const node = `s${counter++}`;
      for (const member of run) nodeOf.set(member.stage.data.id, node);
      const first = run[0]!;
      nodes.push({ node, id: first.stage.data.id, title: first.stage.data.title, state: first.state, in_pack: first.in_pack, count: run.length, last_id: run.length > 1 ? run.at(-1)!.stage.data.id : null });
    }
    const seen = new Set<string>();
    const edges = stages.flatMap((stage) =>
      dependenciesOf(model, stage.data)
        .filter((dependency) => nodeOf.has(dependency))
        .map((dependency) => ({ from: nodeOf.get(dependency)!, to: nodeOf.get(stage.data.id)! }))
        .filter((edge) => edge.from !== edge.to && !seen.has(`${edge.from} ${edge.to}`) && seen.add(`${edge.from} ${edge.to}`)),
    );
    const phase = phaseById(model, phaseId);
    const readiness = phase?.data.readiness ? readinessLine({ readiness: phase.data.readiness, for_production: phase.data.readiness.production_gate !== 'disallowed' }) : '';
    const gates = phase ? phaseGatesOf(phase, phaseGateRuns(context, phase)) : { entry_gates: null, exit_gates: null };
    return { id: phaseId, title: phase?.data.title ?? phaseId, nodes, edges, readiness: readiness === '' ? null : readiness, ...gates };
  });
}
