import { type Config } from '../model/config.js';
import { dependenciesOf, type RepositoryModel, type Typed } from '../model/repository.js';
import { compareStrings } from '../model/diagnostic.js';
import type { StageFrontmatter } from '../model/documents.js';
import { type RunReport, runsOfStage, type RunFolder } from '../model/evidence.js';
import { signOffTagName, type TagInfo } from '../git/tags.js';

/**
 * Where a stage stands, from its documents, its evidence and its sign-off tag: what `status` prints
 * and what each audit-pack section ends with. `state` is the status a reviewer should see (a stage
 * marked in-progress whose last run failed shows as `failed`).
 */
export type StageState = 'blocked' | 'failed' | 'validating' | 'in-progress' | 'not-started' | 'done';

/** Most important first: what an audit pack keeps when it must leave stages out. */
export const STATE_ORDER: readonly StageState[] = ['blocked', 'failed', 'validating', 'in-progress', 'not-started', 'done'];

export interface StageAssessment {
  state: StageState;
  /** One line: what to do next, or why nothing can be done yet. */
  nextAction: string;
  /** Everything that stands in the way, for the pack's outcome section. */
  blockers: string[];
  signOffAllowed: boolean;
  lastRun: RunReport | undefined;
  runs: RunReport[];
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
  const signOffTag = context.tags.get(signOffTagName(model.config, 'stage', data.id));
  const blockers: string[] = [];

  for (const dependency of dependenciesOf(model, data)) {
    const other = stageById(model, dependency);
    if (!other) {
      blockers.push(`${dependency} (a dependency) does not exist`);
      continue;
    }
    const dependencyTag = context.tags.get(signOffTagName(model.config, 'stage', dependency));
    const dependencyLast = runsOfStage(context.runs, dependency).at(-1);
    if (!dependencyTag && !dependencyLast?.overall_pass) blockers.push(`${dependency} has no passing run`);
  }
  if (data.freeze === 'required' && !model.freezes.some((freeze) => freeze.data.stage === data.id)) {
    blockers.push(`freeze file ${model.config.paths.freeze}/${data.id}.freeze.json is missing (run \`stagedocs freeze ${data.id}\`)`);
  }
  if (lastRun?.freeze && !lastRun.freeze.verified) blockers.push(`freeze verification failed in run ${lastRun.run_id}`);
  const errors = context.errorsByFile.get(stage.doc.file);
  if (errors) {
    const more = errors.count > 1 ? ` and ${errors.count - 1} more` : '';
    blockers.push(`validation error in ${stage.doc.file}:${errors.first}${more} (run \`stagedocs validate\`)`);
  }
  if (data.status === 'done' && !lastRun?.overall_pass && !signOffTag) blockers.push(`${data.id} is marked done without a passing run`);

  const started = data.status !== 'not-started';
  const lastFailed = lastRun !== undefined && !lastRun.overall_pass;
  const signOffAllowed = !signOffTag && lastRun?.overall_pass === true && blockers.length === 0;

  let state: StageState;
  let nextAction: string;
  if (signOffTag) {
    state = 'done';
    nextAction = `signed off: tag ${signOffTag.name}`;
  } else if (data.status === 'blocked' || (started && blockers.length > 0)) {
    state = 'blocked';
    nextAction = blockers.length > 0 ? `blocked: ${blockers.join('; ')}` : 'blocked: the stage is marked blocked; see its document';
  } else if (!started && blockers.length > 0) {
    state = 'not-started';
    nextAction = `waiting: ${blockers.join('; ')}`;
  } else if (lastFailed) {
    state = 'failed';
    const failed = lastRun.gates.filter((gate) => gate.outcome !== 'pass' && gate.severity === 'blocking').map((gate) => gate.id);
    nextAction = `fix the failing gate${failed.length === 1 ? '' : 's'} (${failed.join(', ') || 'see the report'}), record the root cause in a decision note, then rerun: \`stagedocs gate run ${data.id}\``;
  } else if (signOffAllowed) {
    state = data.status === 'done' ? 'done' : data.status;
    nextAction = `sign-off allowed: \`stagedocs sign-off ${data.id}\``;
  } else {
    state = data.status;
    nextAction = started ? `run the gates: \`stagedocs gate run ${data.id}\`` : `start the stage, then run its gates: \`stagedocs gate run ${data.id}\``;
  }
  return { state, nextAction, blockers, signOffAllowed, lastRun, runs, signOffTag };
}

/** Phases and their stages in a stable order: phases by id (P2 before P10), stages by order. */
export function comparePhaseIds(a: string, b: string): number {
  return NUMERIC.compare(a, b) || compareStrings(a, b);
}

/** One collator for every comparison: `localeCompare` with options builds one per call. */
const NUMERIC = new Intl.Collator('en', { numeric: true });
