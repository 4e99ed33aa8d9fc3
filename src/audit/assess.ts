import { type Config } from '../model/config.js';
import { dependenciesOf, type RepositoryModel, type Typed } from '../model/repository.js';
import { compareStrings } from '../model/diagnostic.js';
import type { StageFrontmatter } from '../model/documents.js';
import { type RunReport, runsOfStage, type RunFolder } from '../model/evidence.js';
import { DISCOUNT_TEXT, notPassedReason, stageRuns, type JudgedRun, type RunTrust, type StageRuns } from '../model/progression.js';
import { signOffTagName, type TagInfo } from '../git/tags.js';
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
export type BlockerCause = 'dependency-missing' | 'dependency-not-passed' | 'freeze-missing' | 'freeze-failed' | 'validation-error' | 'done-without-pass';

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
  /** The freeze: required or not, its file when it exists, and whether the newest run verified it. */
  freeze: { required: boolean; file: string | undefined; verifiedByLastRun: boolean | undefined };
  signOffTag: TagInfo | undefined;
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
}

/** The fixed part of the sign-off tag format before the stage id, to list those tags in one git call. */
export function signOffTagPrefix(config: Config): string {
  return config.tags.sign_off.split('{')[0] ?? '';
}

/** Stages by id, built once per model: every assessment looks up its dependencies. */
const stagesById = new WeakMap<RepositoryModel['stages'], Map<string, Typed<StageFrontmatter>>>();

function stageById(model: RepositoryModel, id: string): Typed<StageFrontmatter> | undefined {
  let index = stagesById.get(model.stages);
  if (!index) {
    index = new Map();
    // The first stage with an id wins, as `find` would (a duplicate id is unique-id's finding).
    for (const stage of model.stages) if (!index.has(stage.data.id)) index.set(stage.data.id, stage);
    stagesById.set(model.stages, index);
  }
  return index.get(id);
}

export function assessStage(context: AssessmentContext, stage: Typed<StageFrontmatter>): StageAssessment {
  const { model } = context;
  const data = stage.data;
  const runs = runsOfStage(context.runs, data.id);
  const lastRun = runs.at(-1);
  const judged = stageRuns(data, context.runs, context.trust);
  const signOffTag = context.tags.get(signOffTagName(model.config, 'stage', data.id));
  const details: Blocker[] = [];
  const block = (cause: BlockerCause, ...parts: InlinePart[]) => details.push({ cause, parts });

  for (const dependency of dependenciesOf(model, data)) {
    const other = stageById(model, dependency);
    if (!other) {
      block('dependency-missing', { text: `${dependency} (a dependency) does not exist` });
      continue;
    }
    const dependencyTag = context.tags.get(signOffTagName(model.config, 'stage', dependency));
    if (!dependencyTag && !stageRuns(other.data, context.runs, context.trust).passed) block('dependency-not-passed', { text: `${dependency} has no passing run` });
  }
  if (data.freeze === 'required' && !model.freezes.some((freeze) => freeze.data.stage === data.id)) {
    block('freeze-missing', { text: `freeze file ${model.config.paths.freeze}/${data.id}.freeze.json is missing (run ` }, { code: `stagedocs freeze ${data.id}` }, { text: ')' });
  }
  if (lastRun?.freeze && !lastRun.freeze.verified) block('freeze-failed', { text: `freeze verification failed in run ${lastRun.run_id}` });
  const errors = context.errorsByFile.get(stage.doc.file);
  if (errors) {
    const more = errors.count > 1 ? ` and ${errors.count - 1} more` : '';
    block('validation-error', { text: 'validation error in ' }, ...messageParts(`${stage.doc.file}:${errors.first}${more}`), { text: ' (run ' }, { code: 'stagedocs validate' }, { text: ')' });
  }
  if (data.status === 'done' && !judged.passed && !signOffTag) block('done-without-pass', { text: `${data.id} is marked done without a passing run that counts: ${notPassedReason(data, judged)}` });
  const blockers = details.map((blocker) => plainParts(blocker.parts));
  const joined = (prefix: string) => [{ text: prefix }, ...details.flatMap((blocker, index) => (index === 0 ? blocker.parts : [{ text: '; ' }, ...blocker.parts]))];

  const started = data.status !== 'not-started';
  const lastFailed = lastRun !== undefined && !lastRun.overall_pass;
  const passingRun = judged.passed ? judged.last : undefined;
  const signOffNeeds = signOffTag ? [] : needsOf(context, stage, judged, details);
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
  const freezeFile = model.freezes.find((freeze) => freeze.data.stage === data.id)?.doc.file;
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
    freeze: { required: data.freeze === 'required', file: freezeFile, verifiedByLastRun: lastRun?.freeze?.verified },
    signOffTag,
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

const FIXES: Record<BlockerCause, (id: string) => string> = {
  'dependency-missing': () => 'fix `depends_on` (or add the missing stage)',
  'dependency-not-passed': () => 'make each dependency pass its gates (or sign it off) first',
  'freeze-missing': (id) => `run \`stagedocs freeze ${id}\` and commit the freeze file`,
  'freeze-failed': () => 'restore the frozen inputs, then run the gates again',
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
