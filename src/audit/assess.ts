import { type Config } from '../model/config.js';
import { dependenciesOf, freezesOfStage, stagesOfPhase, type RepositoryModel, type Typed } from '../model/repository.js';
import { compareStrings } from '../model/diagnostic.js';
import { freezeCommand, phaseExit, type PhaseFrontmatter, type PhaseReadiness, type StageFrontmatter } from '../model/documents.js';
import { documentEntryFacts, entryGateRuns, entryProblems, isGlobPattern, phaseGateSubject, upstreamRequirement, type ContractProblem, type EntryFacts } from '../model/phase-contract.js';
import { GAPS_SECTION, unfilledGaps } from '../model/sections.js';
import { describeDecisionNeed, unmetDecisions } from '../model/decision-needs.js';
import { describeDrift, driftOf, guardingFreezes, type FreezeDrift, type InputHashes } from '../model/freeze-guard.js';
import { type RunReport, runsOfStage, type RunFolder } from '../model/evidence.js';
import { DISCOUNT_TEXT, notPassedReason, stageRuns, type JudgedRun, type RunTrust, type StageRuns } from '../model/progression.js';
import { signOffTagName, type TagInfo } from '../git/tags.js';
import { parseSignOffMessage } from '../git/sign-off.js';
import { stageGates, stageGatesWithOrigin } from '../model/contracts.js';
import { tallyApprovals, type ApprovalAnchor, type ApprovalFacts, type ApprovalKind, type ApprovalsSpec, type TagRecord, type ApprovalTally } from '../model/approvals.js';
import { plainParts, type InlinePart } from '../render/escape.js';

/**
 * Where a stage stands, from its documents, its evidence and its sign-off tag: what `status` prints
 * and what each audit-pack section ends with. `state` is the status a reviewer should see (a stage
 * marked in-progress whose last run failed shows as `failed`).
 */
export type StageState = 'blocked' | 'failed' | 'validating' | 'in-progress' | 'not-started' | 'done';

/** Most important first: what an audit pack keeps when it must leave stages out. */
export const STATE_ORDER: readonly StageState[] = ['blocked', 'failed', 'validating', 'in-progress', 'not-started', 'done'];

/** What kind of thing stands in a stage's way: what an audit pack groups its blockers by. */
export type BlockerCause = 'dependency-missing' | 'dependency-not-passed' | 'phase-entry' | 'freeze-missing' | 'freeze-failed' | 'freeze-drift' | 'validation-error' | 'done-without-pass';

interface Blocker {
  cause: BlockerCause;
  /** The line, in parts: text, and commands or paths as code. */
  parts: InlinePart[];
}

/** What the next action is, whatever its details: with the causes, what groups similar stages. */
export type NextActionKind = 'signed-off' | 'blocked' | 'waiting' | 'fix-failing-gates' | 'sign-off' | 'prepare-sign-off' | 'run-gates' | 'start';

/** One thing a sign-off still needs: why it may not close, and what to do about it. */
export interface SignOffNeed {
  reason: string;
  fix: string;
  /** The blocker the need comes from, when it comes from one. */
  cause?: BlockerCause;
}

export interface StageAssessment {
  state: StageState;
  /** One line: what to do next, or why nothing can be done yet. */
  nextAction: string;
  /** The same line in parts (commands as code), for markdown. */
  nextActionParts: InlinePart[];
  nextActionKind: NextActionKind;
  /** Everything that stands in the way, for the pack's outcome section. */
  blockers: string[];
  /** The same, each with its cause. */
  blockerDetails: Blocker[];
  signOffAllowed: boolean;
  /** Everything a sign-off of the stage still needs (empty when it is allowed or done). */
  signOffNeeds: SignOffNeed[];
  /** The newest finished run, whether it counts or not (what was run last). */
  lastRun: RunReport | undefined;
  /** Every finished run, oldest first. */
  runs: RunReport[];
  /** The runs judged by the one notion of a counting run (model/progression.ts). */
  judged: StageRuns;
  /** The newest counting run, when it passed: what a sign-off rests on. */
  passingRun: JudgedRun | undefined;
  /** The stage has passed: its newest counting run passed, or it is signed off. */
  passed: boolean;
  /** The decision note behind the current attempt: the stage's `decision`, else the newest run's. */
  decision: string | null;
  /** The freeze: required or not, its file, what the newest run found, and what holds now. */
  freeze: FreezeAssessment;
  signOffTag: TagInfo | undefined;
  /** Its approvals counted (model/approvals.ts); undefined when it declares no `approvals`. */
  approvals: ApprovalTally | undefined;
}

/**
 * The freezes a stage depends on, checked against the working tree when the assessment was made: its
 * own freeze file and those of the stages of its phase it follows (model/freeze-guard.ts).
 */
export interface FreezeAssessment {
  required: boolean;
  /** The stage's own freeze file, when it exists. */
  file: string | undefined;
  /** What the newest run of the stage found when it started (history, not the present). */
  verifiedByLastRun: boolean | undefined;
  /** Every freeze file guarding the stage (its own included), sorted. */
  guardedBy: string[];
  /**
   * Every guarding freeze's inputs have their frozen hashes now; undefined when nothing guards the
   * stage or the inputs were not hashed (no git).
   */
  verifiedNow: boolean | undefined;
  /** The inputs that differ now, with both hashes. */
  drift: FreezeDrift[];
}

/** How many validation errors a file has, and the first one (`line:column message`) to show. */
export interface FileErrors {
  count: number;
  first: string;
}

export interface AssessmentContext {
  model: RepositoryModel;
  runs: RunFolder[];
  /** Tags by name. */
  tags: ReadonlyMap<string, TagInfo>;
  /** Validation errors per repository-relative file. */
  errorsByFile: ReadonlyMap<string, FileErrors>;
  /** What runs are judged with: the registry check, HEAD's history, the files committed at HEAD. */
  trust: RunTrust;
  /**
   * Whether a glob of a phase contract (entry files, exit produces) matches a file; given by callers
   * that can list files (`fileMatcher` in audit/files.ts). Without it globs are not judged; plain
   * paths are always judged, through the model.
   */
  globMatches?: (pattern: string) => boolean;
  /**
   * The current stored-content hash of every frozen input (git/freeze-drift.ts `frozenInputHashes`),
   * so that a freeze is judged by what holds now. Absent: freezes are not checked (`verifiedNow` undefined).
   */
  inputHashes?: InputHashes;
  /** The working tree's uncommitted changes (tracked files), root-relative; absent outside git. A sign-off needs none. */
  worktree?: { uncommitted: readonly string[] };
  /**
   * The approval tags (git/approvals.ts) and what git knows to judge them; absent: no approval is known
   * (outside git), so a declared quorum is unmet.
   */
  approvals?: { tags: readonly TagRecord[]; facts: ApprovalFacts };
}

/** The fixed part of the sign-off tag format before the stage id, to list those tags in one git call. */
export function signOffTagPrefix(config: Config): string {
  return config.tags.sign_off.split('{')[0] ?? '';
}

/** Documents by id, built once per list of the model: every assessment looks up its dependencies and its phase. */
const indexes = new WeakMap<ReadonlyArray<Typed<{ id: string }>>, Map<string, Typed<{ id: string }>>>();

function byId<T extends { id: string }>(list: ReadonlyArray<Typed<T>>, id: string): Typed<T> | undefined {
  let index = indexes.get(list);
  if (!index) {
    index = new Map();
    // The first document with an id wins, as `find` would (a duplicate id is unique-id's finding).
    for (const item of list) if (!index.has(item.data.id)) index.set(item.data.id, item);
    indexes.set(list, index);
  }
  return index.get(id) as Typed<T> | undefined;
}

function stageById(model: RepositoryModel, id: string): Typed<StageFrontmatter> | undefined {
  return byId(model.stages, id);
}

export function assessStage(context: AssessmentContext, stage: Typed<StageFrontmatter>): StageAssessment {
  const { model } = context;
  const data = stage.data;
  const runs = runsOfStage(context.runs, data.id);
  const lastRun = runs.at(-1);
  const gates = stageGatesWithOrigin(model, data);
  const judged = stageRuns(data, context.runs, context.trust, gates.map((entry) => entry.gate));
  const signOff = signOffOf(context, 'stage', data.id, data.approvals);
  const signOffTag = signOff.tag;
  const details: Blocker[] = [];
  const block = (cause: BlockerCause, ...parts: InlinePart[]) => details.push({ cause, parts });

  for (const dependency of dependenciesOf(model, data)) {
    const other = stageById(model, dependency);
    if (!other) {
      block('dependency-missing', { text: `${dependency} (a dependency) does not exist` });
      continue;
    }
    const dependencyTag = signOffOf(context, 'stage', dependency, other.data.approvals).tag;
    if (!dependencyTag && !stageRuns(other.data, context.runs, context.trust, stageGates(model, other.data)).passed) block('dependency-not-passed', { text: `${dependency} has no passing run` });
  }
  for (const problem of phaseEntryProblems(context, data.phase)) block('phase-entry', ...messageParts(`entry of phase ${data.phase} is unmet: ${problem.reason}`));
  if (data.freeze === 'required' && freezesOfStage(model, data.id).length === 0) {
    block('freeze-missing', { text: `freeze file ${model.config.paths.freeze}/${data.id}.freeze.json is missing (run ` }, { code: freezeCommand(data.id) }, { text: ')' });
  }
  if (lastRun?.freeze && !lastRun.freeze.verified) block('freeze-failed', { text: `freeze verification failed in run ${lastRun.run_id}` });
  const freeze = freezeOf(context, data, lastRun);
  for (const drift of freeze.drift) block('freeze-drift', { text: 'frozen input ' }, { code: drift.input }, { text: ` changed (${describeDrift(drift, { short: true })})` });
  const errors = context.errorsByFile.get(stage.doc.file);
  if (errors) {
    const more = errors.count > 1 ? ` and ${errors.count - 1} more` : '';
    block('validation-error', { text: 'validation error in ' }, ...messageParts(`${stage.doc.file}:${errors.first}${more}`), { text: ' (run ' }, { code: 'stagedocs validate' }, { text: ')' });
  }
  if (data.status === 'done' && !judged.passed && !signOffTag) block('done-without-pass', { text: `${data.id} is marked done without a passing run that counts: ${notPassedReason(data, judged, gates)}` });
  const blockers = details.map((blocker) => plainParts(blocker.parts));
  const joined = (prefix: string) => [{ text: prefix }, ...details.flatMap((blocker, index) => (index === 0 ? blocker.parts : [{ text: '; ' }, ...blocker.parts]))];

  const started = data.status !== 'not-started';
  const lastFailed = lastRun !== undefined && !lastRun.overall_pass;
  const passingRun = judged.passed ? judged.last : undefined;
  const approvals = signOffTag ? signOff.approvals : approvalsOf(context, 'stage', data.id, data.approvals, passingRun ? (passingRun.report.commit ?? null) : null);
  const signOffNeeds = signOffTag ? [] : [...rejectedSignOffNeeds(signOff.rejected), ...needsOf(context, stage, judged, details), ...approvalNeeds(approvals, 'stage', data.id)];
  const signOffAllowed = !signOffTag && signOffNeeds.length === 0;

  let state: StageState;
  let parts: InlinePart[];
  let kind: NextActionKind;
  if (signOffTag) {
    state = 'done';
    kind = 'signed-off';
    parts = [{ text: `signed off: tag ${signOffTag.name}` }];
  } else if (data.status === 'blocked' || (started && blockers.length > 0)) {
    state = 'blocked';
    kind = 'blocked';
    parts = blockers.length > 0 ? joined('blocked: ') : [{ text: 'blocked: the stage is marked blocked; see its document' }];
  } else if (!started && blockers.length > 0) {
    state = 'not-started';
    kind = 'waiting';
    parts = joined('waiting: ');
  } else if (lastFailed) {
    state = 'failed';
    kind = 'fix-failing-gates';
    const failed = lastRun.gates.filter((gate) => gate.outcome !== 'pass' && gate.severity === 'blocking').map((gate) => gate.id);
    parts = [
      { text: `fix the failing gate${failed.length === 1 ? '' : 's'} (${failed.join(', ') || 'see the report'}), record the root cause in a decision note, then rerun: ` },
      { code: `stagedocs gate run ${data.id}` },
    ];
  } else if (signOffAllowed) {
    state = data.status === 'done' ? 'done' : data.status;
    kind = 'sign-off';
    parts = [{ text: 'sign-off allowed: ' }, { code: `stagedocs sign-off ${data.id}` }];
  } else if (judged.passed && signOffNeeds.length > 0) {
    state = data.status;
    kind = 'prepare-sign-off';
    // The fixes name files and commands in backticks: code spans, not escaped backticks in text.
    parts = [...messageParts(`gates passed in ${judged.last!.report.run_id}; before sign-off: ${signOffNeeds.map((need) => need.fix).join('; ')}; then `), { code: `stagedocs sign-off ${data.id}` }];
  } else {
    state = data.status;
    kind = started ? 'run-gates' : 'start';
    parts = [{ text: started ? 'run the gates: ' : 'start the stage, then run its gates: ' }, { code: `stagedocs gate run ${data.id}` }];
  }
  const nextAction = plainParts(parts);
  return {
    state,
    nextAction,
    nextActionParts: parts,
    nextActionKind: kind,
    blockers,
    blockerDetails: details,
    signOffAllowed,
    signOffNeeds,
    lastRun,
    runs,
    judged,
    passingRun,
    passed: signOffTag !== undefined || judged.passed,
    decision: data.decision ?? lastRun?.decision_tag ?? null,
    freeze,
    signOffTag,
    approvals,
  };
}

/**
 * A stage's or phase's approvals, counted once (model/approvals.ts) against the commit of the run its
 * sign-off rests on (`anchor`); undefined when it declares none.
 */
function approvalsOf(context: Pick<AssessmentContext, 'trust' | 'approvals'>, kind: ApprovalKind, id: string, spec: ApprovalsSpec | undefined, anchor: ApprovalAnchor): ApprovalTally | undefined {
  if (!spec) return undefined;
  const history = context.trust.history;
  const facts: ApprovalFacts = context.approvals?.facts ?? { inHistory: (commit) => history?.has(commit), atOrAfter: (commit, ancestor) => commit === ancestor, signer: () => undefined };
  return tallyApprovals(spec, kind, id, context.approvals?.tags ?? [], anchor, facts);
}

/**
 * The sign-off tag of a stage or phase, when it counts. A tag under the sign-off name that is
 * lightweight, or whose message is not a sign-off of this id, is anyone's `git tag` and proves
 * nothing; and where approvals are declared, a sign-off counts only when their quorum is met for the
 * run its message names (a tag made by hand could skip it). `rejected` says why a tag does not count:
 * it still blocks `sign-off` (a sign-off is never repeated), so the assessment names it as a need.
 */
export function signOffOf(
  context: Pick<AssessmentContext, 'model' | 'tags' | 'trust' | 'approvals'>,
  kind: ApprovalKind,
  id: string,
  spec: ApprovalsSpec | undefined,
): { tag: TagInfo | undefined; approvals?: ApprovalTally | undefined; rejected: { tag: TagInfo; reason: string } | undefined } {
  const found = context.tags.get(signOffTagName(context.model.config, kind, id));
  if (!found) return { tag: undefined, rejected: undefined };
  const reject = (reason: string) => ({ tag: undefined, rejected: { tag: found, reason } });
  if (!found.annotated) return reject('it is a lightweight tag, not the annotated tag `stagedocs sign-off` makes');
  const signed = parseSignOffMessage(found.message, kind, id);
  if (!signed) return reject(`its message is not a sign-off of ${kind} ${id}`);
  // A signed-off id's approvals are those of the run its sign-off rests on; a phase without exit gates
  // anchors them on no run (any commit of HEAD's history).
  const anchor = signed.runCommit !== '' ? signed.runCommit : kind === 'phase' ? undefined : null;
  const approvals = approvalsOf(context, kind, id, spec, anchor);
  if (approvals && !approvals.met) return reject(`its approvals are not met for the run it names (${approvals.summary})`);
  return { tag: found, approvals, rejected: undefined };
}

/** The need a sign-off tag that does not count adds: remove it, then sign off again. */
function rejectedSignOffNeeds(rejected: { tag: TagInfo; reason: string } | undefined): SignOffNeed[] {
  if (!rejected) return [];
  return [{ reason: `sign-off tag ${rejected.tag.name} does not count: ${rejected.reason}`, fix: `delete tag ${rejected.tag.name}, which does not count (\`git tag -d ${rejected.tag.name}\`, and on the remote), then sign off with \`stagedocs sign-off\`` }];
}

/** What a sign-off needs of the approvals: the quorum, with who is missing. */
function approvalNeeds(tally: ApprovalTally | undefined, kind: ApprovalKind, id: string): SignOffNeed[] {
  if (!tally || tally.met) return [];
  const who = tally.missing.length > 0 ? `${tally.needed === tally.missing.length ? '' : `${tally.needed} of `}${tally.missing.join(', ')}` : `${tally.needed} more approver${tally.needed === 1 ? '' : 's'}`;
  return [
    {
      reason: tally.summary,
      fix: `${who} must approve ${kind} ${id} at or after the commit of its passing run (\`stagedocs approve ${id}\`, each under their own git user.email)`,
    },
  ];
}

/** The freezes guarding a stage, judged against the inputs' current hashes when the context has them. */
function freezeOf(context: AssessmentContext, stage: StageFrontmatter, lastRun: RunReport | undefined): FreezeAssessment {
  const guarding = guardingFreezes(context.model, stage);
  const hashes = context.inputHashes;
  const drift = hashes ? guarding.flatMap((freeze) => driftOf(freeze.doc.file, freeze.data, hashes)) : [];
  return {
    required: stage.freeze === 'required',
    file: freezesOfStage(context.model, stage.id)[0]?.doc.file,
    verifiedByLastRun: lastRun?.freeze?.verified,
    guardedBy: guarding.map((freeze) => freeze.doc.file),
    verifiedNow: hashes && guarding.length > 0 ? drift.length === 0 : undefined,
    drift,
  };
}

/** What a stage's sign-off still needs, each with what to do: the list `sign-off` prints when it refuses. */
function needsOf(context: AssessmentContext, stage: Typed<StageFrontmatter>, judged: StageRuns, blockers: readonly Blocker[]): SignOffNeed[] {
  const { data } = stage;
  const needs: SignOffNeed[] = [];
  if (data.status !== 'done') needs.push({ reason: `${data.id} has status \`${data.status}\`, expected \`done\``, fix: `set \`status: done\` in ${stage.doc.file} and commit it` });
  for (const blocker of blockers) {
    if (blocker.cause === 'done-without-pass') continue;
    needs.push({ reason: plainParts(blocker.parts), fix: FIXES[blocker.cause](data.id), cause: blocker.cause });
  }
  for (const need of unmetDecisions(context.model, data)) {
    needs.push({
      reason: `${data.id} waits on a decision: ${describeDecisionNeed(need)}`,
      fix: need.tag === undefined ? `write an accepted decision note and name it in \`decision:\` of ${stage.doc.file}` : `settle ${need.tag}${need.file ? ` (${need.file})` : ''}: set its \`status\` to ${need.expected === 'accepted' ? '`accepted`' : '`accepted`, `rejected` or `superseded`'}`,
    });
  }
  const phase = data.production === true ? phaseById(context.model, data.phase) : undefined;
  if (phase?.data.readiness?.production_gate === 'disallowed') {
    needs.push({
      reason: `${data.id} declares \`production: true\` while its phase ${phase.data.id} disallows production (\`readiness.production_gate: disallowed\` in ${phase.doc.file})`,
      fix: `allow production in the phase (\`production_gate: allowed\`, a decision for a person to take) or drop \`production: true\` from ${stage.doc.file}`,
    });
  }
  needs.push(...runNeeds(context, data, judged));
  needs.push(...repositoryNeeds(context, stage.doc.file));
  return needs;
}

/**
 * What any sign-off needs of the repository as it is now, besides the stage or phase itself: a clean
 * working tree (the tag goes on HEAD, which must be what was reviewed) and no validation error in any
 * file (the commit the tag is on would fail `validate`, the hook and CI). The errors of `ownFile` are
 * the stage's or phase's own need, said with it.
 */
function repositoryNeeds(context: AssessmentContext, ownFile: string): SignOffNeed[] {
  const needs: SignOffNeed[] = [];
  const changed = context.worktree?.uncommitted ?? [];
  if (changed.length > 0) {
    const shown = changed.slice(0, 5).map((file) => `\`${file}\``).join(', ');
    needs.push({ reason: `the working tree is not clean: ${shown}${changed.length > 5 ? ` and ${changed.length - 5} more` : ''}`, fix: 'commit or restore them' });
  }
  let count = 0;
  let first: string | undefined;
  for (const [file, errors] of context.errorsByFile) {
    if (file === ownFile) continue;
    count += errors.count;
    first ??= `${file}:${errors.first}`;
  }
  if (first !== undefined) {
    needs.push({ reason: `validation fails with ${count} error${count === 1 ? '' : 's'} in other files, first ${first}`, fix: 'fix the validation errors of the other files (`stagedocs validate` lists them)' });
  }
  return needs;
}

/** What a sign-off needs of the runs of a stage or of a phase's exit gates: a passing run that counts, with its evidence committed. */
function runNeeds(context: AssessmentContext, data: StageFrontmatter, judged: StageRuns): SignOffNeed[] {
  const needs: SignOffNeed[] = [];
  if (!judged.passed) {
    const newest = judged.judged.at(-1);
    needs.push({
      reason: `no passing gate run of ${data.id} counts: ${notPassedReason(data, judged)}`,
      fix:
        newest && newest.discounts.includes('unverified') && newest.discounts.length === 1
          ? `restore ${newest.folder.dir}/report.json and its registry row (\`stagedocs registry --check\`), or run \`stagedocs gate run ${data.id}\` again`
          : newest && newest.discounts.includes('unofficial')
            ? `run \`stagedocs gate run ${data.id}\` on a runner with the labels its gates need (${newest.report.runner?.required.join(', ') ?? 'runs_on'}), without --allow-host, and commit the evidence`
            : `run \`stagedocs gate run ${data.id}\` on a clean tree at a commit of this branch until it passes, and commit the evidence`,
    });
  } else if (context.trust.committed !== undefined) {
    const run = judged.last!;
    const reportFile = `${run.folder.dir}/report.json`;
    if (!context.trust.committed.has(reportFile)) {
      needs.push({ reason: `the evidence of ${run.report.run_id} (${run.folder.dir}/) is not committed in HEAD's history`, fix: `commit ${run.folder.dir}/ and the registry (\`git add ${run.folder.dir} && git commit\`)` });
    }
  }
  return needs;
}

function phaseById(model: RepositoryModel, id: string): Typed<PhaseFrontmatter> | undefined {
  return byId(model.phases, id);
}

/**
 * What of a phase's entry does not hold, judged by its sign-off tags (or `done`, by `phases.upstream_requires`) and the files: what blocks its
 * stages in status, `gate run` and `sign-off` (empty for a phase without entry, or unknown).
 */
export function phaseEntryProblems(context: AssessmentContext, phaseId: string): ContractProblem[] {
  const phase = phaseById(context.model, phaseId);
  return phase?.data.entry ? entryProblems(phase, entryFactsOf(context), upstreamRequirement(context.model.config)) : [];
}

/** The entry facts of commands that read git: an upstream phase is cleared by its sign-off tag, or by its `done` status when so configured. */
function entryFactsOf(context: AssessmentContext): EntryFacts {
  const config = context.model.config;
  return {
    phaseCleared: upstreamRequirement(config) === 'done' ? documentEntryFacts(context.model).phaseCleared : (id) => signOffOf(context, 'phase', id, phaseById(context.model, id)?.data.approvals).tag !== undefined,
    fileExists: (pattern) => fileExists(context, pattern),
    entryRuns: (phase) => entryGateRuns(phase, context.runs, context.trust),
  };
}

function fileExists(context: AssessmentContext, pattern: string): boolean | undefined {
  return isGlobPattern(pattern) ? context.globMatches?.(pattern) : context.model.exists(pattern);
}

/** The section a phase with a structured exit must fill in for the next phase. */
export { GAPS_SECTION } from '../model/sections.js';

/** Where a phase stands against its contract: what `status`, audit packs, `sign-off` and the agents' context report. */
export interface PhaseAssessment {
  id: string;
  /** The name of its sign-off tag, and the tag when it exists. */
  tag: string;
  signOffTag: TagInfo | undefined;
  /** What of its entry does not hold (upstream phases by their sign-off tags, or `done` by config). */
  entryProblems: ContractProblem[];
  /** The runs of its entry gates (`gate run <phase> --entry`), judged as a stage's are; undefined when it has no entry gates. */
  entryRuns: StageRuns | undefined;
  exit: {
    /** The exit is the structured form (criteria, produces, gates), which also requires the Gaps section. */
    structured: boolean;
    /** Exit produced files that have no match (a glob unjudged without a file lister is not listed). */
    missing: string[];
    /** The exit gates' runs, judged as a stage's are; undefined when the phase has no exit gates. */
    runs: StageRuns | undefined;
    passingRun: JudgedRun | undefined;
  };
  readiness: PhaseReadiness;
  /** False when its readiness disallows production: sign-off then says "not for production". */
  forProduction: boolean;
  signOffAllowed: boolean;
  /** Everything a phase sign-off still needs (empty when allowed or signed off). */
  signOffNeeds: SignOffNeed[];
  /** Its approvals counted (model/approvals.ts); undefined when it declares no `approvals`. */
  approvals: ApprovalTally | undefined;
}

/**
 * The one verdict on a phase: its sign-off needs every stage signed off and still passed by the one
 * verdict (a tag made by hand does not make a stage pass) and `done`; its entry met; its exit
 * definition written, its produced files present, a passing counting run of its exit gates (when it
 * has any) with the evidence committed, and, with the structured exit, a Gaps section for the next
 * phase; the phase `done` and its document valid.
 */
export function assessPhase(context: AssessmentContext, phase: Typed<PhaseFrontmatter>): PhaseAssessment {
  const { model } = context;
  const { data, doc } = phase;
  const tag = signOffTagName(model.config, 'phase', data.id);
  const signOff = signOffOf(context, 'phase', data.id, data.approvals);
  const signOffTag = signOff.tag;
  const stages = stagesOfPhase(model, data.id);
  const exit = phaseExit(data);
  const problems = entryProblems(phase, entryFactsOf(context), upstreamRequirement(context.model.config));
  const missing = (exit.produces ?? []).filter((pattern) => fileExists(context, pattern) === false);
  const subject = phaseGateSubject(phase);
  const { entryRuns, exitRuns: runs } = phaseGateRuns(context, phase);
  const needs: SignOffNeed[] = [];
  const need = (reason: string, fix: string) => needs.push({ reason, fix });
  if (!signOffTag) {
    if (stages.length === 0) need(`phase ${data.id} has no stages`, `add one (\`stagedocs new-stage "<title>" --phase ${data.id}\`)`);
    const unsigned = stages.filter((stage) => !signOffOf(context, 'stage', stage.data.id, stage.data.approvals).tag);
    if (unsigned.length > 0) need(`not every stage is signed off: ${unsigned.map((stage) => stage.data.id).join(', ')}`, 'run `stagedocs sign-off <stage-id>` for each');
    const open = stages.filter((stage) => stage.data.status !== 'done' || !assessStage(context, stage).judged.passed);
    if (open.length > 0) need(`not every stage is done with a passing gate run that counts: ${open.map((stage) => `${stage.data.id} (${stage.data.status})`).join(', ')}`, 'finish them and run their gates');
    for (const problem of problems) need(`the entry of phase ${data.id} is unmet: ${problem.reason} (${doc.file}:${problem.place.line}:${problem.place.column})`, problem.fix);
    const hasExit = (exit.criteria ?? []).length + (exit.produces ?? []).length + (exit.gates ?? []).length > 0;
    if (!hasExit) need(`phase ${data.id} has no exit definition (\`exit:\` in ${doc.file})`, 'write what must hold for it to close');
    for (const pattern of missing) need(`exit file \`${pattern}\` of phase ${data.id} ${isGlobPattern(pattern) ? 'matches nothing' : 'does not exist'}`, `produce it and commit it (\`exit.produces\` in ${doc.file})`);
    if (runs) needs.push(...runNeeds(context, subject.data, runs));
    if (exit.structured) {
      const gaps = unfilledGaps(doc);
      if (gaps) {
        need(
          gaps.section ? `the \`## ${GAPS_SECTION}\` section of ${doc.file} (line ${gaps.section.line}) is empty` : `${doc.file} has no \`## ${GAPS_SECTION}\` section`,
          `write in \`## ${GAPS_SECTION}\` what this phase leaves undone for the next one (or "None", said in a sentence)`,
        );
      }
    }
    if (data.status !== 'done') need(`phase ${data.id} has status \`${data.status}\`, expected \`done\` once its exit definition is met`, `set \`status: done\` in ${doc.file} and commit it`);
    const errors = context.errorsByFile.get(doc.file);
    if (errors) need(`${doc.file} fails validation (${errors.first})`, 'run `stagedocs validate`');
    needs.push(...repositoryNeeds(context, doc.file));
  }
  // A phase with exit gates is approved at or after their passing run; one without, at any commit of HEAD's history.
  const approvals = signOffTag ? signOff.approvals : approvalsOf(context, 'phase', data.id, data.approvals, runs ? (runs.passed ? (runs.last!.report.commit ?? null) : null) : undefined);
  if (!signOffTag) needs.push(...rejectedSignOffNeeds(signOff.rejected), ...approvalNeeds(approvals, 'phase', data.id));
  const readiness = data.readiness ?? {};
  return {
    id: data.id,
    tag,
    signOffTag,
    entryProblems: problems,
    entryRuns,
    exit: { structured: exit.structured, missing, runs, passingRun: runs?.passed ? runs.last : undefined },
    readiness,
    forProduction: readiness.production_gate !== 'disallowed',
    signOffAllowed: !signOffTag && needs.length === 0,
    signOffNeeds: needs,
    approvals,
  };
}

/** The runs of a phase's entry gates and of its exit gates, each judged as a stage's are; undefined for gates it does not declare. */
export function phaseGateRuns(context: Pick<AssessmentContext, 'runs' | 'trust'>, phase: Typed<PhaseFrontmatter>): { entryRuns: StageRuns | undefined; exitRuns: StageRuns | undefined } {
  return {
    entryRuns: (phase.data.entry?.gates ?? []).length > 0 ? entryGateRuns(phase, context.runs, context.trust) : undefined,
    exitRuns: (phaseExit(phase.data).gates ?? []).length > 0 ? stageRuns(phaseGateSubject(phase).data, context.runs, context.trust, phaseExit(phase.data).gates ?? []) : undefined,
  };
}

const FIXES: Record<BlockerCause, (id: string) => string> = {
  'dependency-missing': () => 'fix `depends_on` (or add the missing stage)',
  'dependency-not-passed': () => 'make each dependency pass its gates (or sign it off) first',
  'phase-entry': () => "meet the entry of the stage's phase first (`stagedocs status` lists what it lacks)",
  'freeze-missing': (id) => `run \`${freezeCommand(id)}\` and commit the freeze file`,
  'freeze-failed': () => 'restore the frozen inputs, then run the gates again',
  'freeze-drift': () => 'restore the frozen inputs to their frozen content (`stagedocs validate` names each), or record a decision and freeze anew under a new stage',
  'validation-error': () => 'run `stagedocs validate` and fix the errors in the stage document',
  'done-without-pass': (id) => `run \`stagedocs gate run ${id}\` until it passes`,
};

/** What the discounts of a run say, for messages. */
export function describeDiscounts(run: JudgedRun): string {
  return run.discounts.map((discount) => DISCOUNT_TEXT[discount]).join(' and ');
}

/**
 * A diagnostic message in parts: the values it quotes in backticks become code spans, so that they
 * render as code rather than as escaped backticks. Either way the text stays inert.
 */
function messageParts(message: string): InlinePart[] {
  return message
    .split(/`([^`\n]+)`/)
    .map((piece, index): InlinePart => (index % 2 === 1 ? { code: piece } : { text: piece }))
    .filter((part) => !('text' in part) || part.text !== '');
}

/** Phases and their stages in a stable order: phases by id (P2 before P10), stages by order. */
export function comparePhaseIds(a: string, b: string): number {
  return NUMERIC.compare(a, b) || compareStrings(a, b);
}

/** One collator for every comparison: `localeCompare` with options builds one per call. */
const NUMERIC = new Intl.Collator('en', { numeric: true });
