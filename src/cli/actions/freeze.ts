import { loadRepository } from '../../engine/load-repository.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { assertDecisionExists } from '../../gates/failure-policy.js';
import { expandInputs, hashInputs, renderFreeze, writeExclusive } from '../../gates/freeze.js';
import { assertStageId, findStage } from '../../gates/stage-model.js';
import { headCommit } from '../../git/repository.js';
import { type FreezeFile, freezePathOf } from '../../model/documents.js';
import { EXIT_FAILED, EXIT_OK, StagedocsError, UsageError } from '../../model/errors.js';
import type { FreezeFlags } from '../commands/freeze.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';

export async function freezeAction(stageId: string, flags: FreezeFlags, io: CliIo): Promise<number> {
  assertStageId(stageId);
  if (flags.input.length === 0) {
    throw new UsageError('Nothing to freeze: give at least one --input <glob>', `e.g. \`stagedocs freeze ${stageId} --input "config/*.yaml"\``);
  }
  const scope = parseScope(flags.scope);
  const { root } = await commandRoot(io, flags.cwd, 'required');
  const { config, model } = await loadRepository(root);
  findStage(model, stageId);
  if (flags.decision !== undefined) assertDecisionExists(model, flags.decision);

  const file = freezePathOf(config.paths.freeze, stageId);
  const refuseExisting = () =>
    new StagedocsError(
      `${file} already exists; a freeze file is never overwritten`,
      EXIT_FAILED,
      'A new protocol needs a new decision note and a new stage (or delete the file in a reviewed commit, which git history will show).',
    );
  if (existsSync(path.join(root, file))) throw refuseExisting();

  const inputs = await hashInputs(root, io.env, await expandInputs(root, flags.input));
  const commit = await headCommit(root, io.env);
  const freeze: FreezeFile = {
    stage: stageId,
    ...(flags.decision !== undefined ? { decision_tag: flags.decision } : {}),
    protocol_version: flags.protocol,
    created_at: io.now().toISOString().replace(/\.\d+Z$/, 'Z'),
    ...(commit ? { commit } : {}),
    scope,
    inputs,
  };
  try {
    await writeExclusive(path.join(root, file), renderFreeze(freeze));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw refuseExisting();
    throw error;
  }
  io.stdout.write(`Wrote ${file}: ${Object.keys(inputs).length} input${Object.keys(inputs).length === 1 ? '' : 's'} frozen.\nCommit it: git add ${file} && git commit\n`);
  return EXIT_OK;
}

/** `--scope key=value` pairs into an object; keys are plain names, never prototype keys. */
function parseScope(entries: readonly string[]): Record<string, string> {
  const scope: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    const key = equals > 0 ? entry.slice(0, equals) : '';
    if (!/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(key) || key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw new UsageError(`--scope \`${entry.slice(0, 80)}\` is not key=value with a plain key`, 'e.g. `--scope dataset=v3`.');
    }
    scope[key] = entry.slice(equals + 1);
  }
  return scope;
}
