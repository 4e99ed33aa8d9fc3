import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../model/config.js';
import { OptionError, UsageError } from '../model/errors.js';
import { ID_RULE, isValidId } from '../model/ids.js';
import { readExisting } from './existing.js';
import type { NewFile } from './files.js';
import { assertTitle, nextDecisionTag } from './names.js';
import { renderDecision } from './render.js';

interface DecisionPlanRequest {
  root: string;
  config: Config;
  title: string;
  /** The stages the decision is about; each must exist. */
  stages: readonly string[];
  supersedes?: string;
  /** The gate run whose failure the rerun answers: the note then has a Root cause section. */
  rerunOf?: string;
  owner: string;
  /** YYYY-MM-DD: the date of the note and of its tag. */
  date: string;
}

interface DecisionPlan {
  tag: string;
  file: NewFile;
  /** What to do once the note is written. */
  next: string[];
}

/**
 * Checks a decision request against what exists (the title, the stages, the superseded tag, the run
 * id) without choosing a tag: safe outside the scaffolding lock, where a concurrent command may take
 * the next number at any moment.
 */
export async function checkDecisionRequest(request: DecisionPlanRequest): Promise<void> {
  await checkedRequest(request);
}

async function checkedRequest(request: DecisionPlanRequest): Promise<{ title: string; owner: string; decisionTags: ReadonlySet<string> }> {
  const { root, config } = request;
  const existing = await readExisting(root, config);
  const title = assertTitle(request.title);
  const stageIds = new Set(existing.stages.map((stage) => stage.id));
  for (const stage of request.stages) {
    checkId(stage, 'stages');
    if (!stageIds.has(stage)) throw new OptionError('stages', stage, 'does not exist', 'Name an existing stage id, e.g. `P1-S02` (see `stagedocs status`).');
  }
  if (new Set(request.stages).size !== request.stages.length) throw new UsageError('The same stage is named twice', 'Give each stage once.');
  if (request.supersedes !== undefined) {
    checkId(request.supersedes, 'supersedes');
    if (!existing.decisionTags.has(request.supersedes)) {
      throw new OptionError('supersedes', request.supersedes, 'is not the tag of a decision note', `Decision notes live in ${config.paths.decisions}/; give the tag of one of them.`);
    }
  }
  if (request.rerunOf !== undefined) checkId(request.rerunOf, 'rerunOf');
  return { title, owner: assertTitle(request.owner, 'owner'), decisionTags: existing.decisionTags };
}

/**
 * The decision note `new-decision` writes: checks the request (`checkDecisionRequest`) and takes the
 * next free `D-<date>-NNN` tag. Writes nothing; run it under the scaffolding lock, so that the tag is
 * still free when the note is written.
 */
export async function planDecision(request: DecisionPlanRequest): Promise<DecisionPlan> {
  const { root, config } = request;
  const { title, owner, decisionTags } = await checkedRequest(request);
  const tag = nextDecisionTag(request.date, decisionTags, listFolder(path.join(root, config.paths.decisions)));
  const file = path.posix.join(config.paths.decisions, `${tag}.md`);
  if (existsSync(path.join(root, file))) throw new UsageError(`${file} already exists`, 'Run the command again to take the next number.');
  const content = renderDecision(root, config, {
    tag,
    title,
    owner,
    date: request.date,
    stages: [...request.stages],
    supersedes: request.supersedes ?? null,
    rerunOf: request.rerunOf ?? null,
  });
  const next = [
    `edit ${file} (${request.rerunOf ? 'Root cause, ' : ''}Context, Decision, Consequences)`,
    ...request.stages.map((stage) => `set \`decision: ${tag}\` in stage ${stage}`),
    'stagedocs validate',
  ];
  return { tag, file: { path: file, content }, next };
}

function checkId(value: string, option: string): void {
  if (!isValidId(value)) throw new OptionError(option, value, 'is not an id', ID_RULE);
}

function listFolder(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
