import { loadRepository } from '../engine/load-repository.js';
import { readRuns } from '../evidence/read.js';
import { assertStageId } from '../gates/stage-model.js';
import type { Env } from '../git/exec.js';
import { headCommit } from '../git/repository.js';
import { traceStage, type StageTrace } from '../git/trace.js';
import { UsageError } from '../model/errors.js';
import { locate, type RootInput } from './root.js';

export type { StageTrace } from '../git/trace.js';

/**
 * The commits that touched a stage's document, decision notes, freeze file and evidence, its gate
 * runs and its sign-off tag: what `stagedocs trace --format json` prints. Needs git.
 */
export async function trace(request: { root: RootInput; env: Env; stage: string }): Promise<StageTrace> {
  assertStageId(request.stage);
  const { root } = await locate(request.root, request.env, 'required');
  const { config, model } = await loadRepository(root);
  const stage = model.stages.find((candidate) => candidate.data.id === request.stage);
  if (!stage) throw new UsageError(`No stage with id \`${request.stage}\` in this repository`, 'Check the id with `stagedocs status`; a stage with schema errors is not counted (run `stagedocs validate`).');
  return traceStage(root, config, model, stage, await readRuns(root, config.paths.gate_results), await headCommit(root, request.env), request.env);
}
