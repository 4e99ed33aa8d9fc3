import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadRepository } from '../../engine/load-repository.js';
import { assertDecisionExists } from '../../gates/failure-policy.js';
import { expandInputs, hashInputs, renderFreeze } from '../../gates/freeze.js';
import { writeExclusive } from '../../util/write-atomic.js';
import { assertStageId, findStage } from '../../gates/stage-model.js';
import { headCommit } from '../../git/repository.js';
import { type FreezeFile, freezePathOf } from '../../model/documents.js';
import { asFileSystemError, EXIT_FAILED, EXIT_OK, StagedocsError, UsageError } from '../../model/errors.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { examples } from '../options.js';
import { describeEscape, pathEscape } from '../../util/inside-root.js';

interface FreezeFlags {
  input: string[];
  decision?: string;
  scope: string[];
  protocol: string;
  cwd?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(command: Command, context: CommandContext): void {
  command
    .description(
      'Writes freeze/<stage-id>.freeze.json with the sha256 of every input, the commit, the scope and the decision. ' +
        'The hash is of the content git stores for each file (after its clean filter and end-of-line conversion), so core.autocrlf does not cause false drift. ' +
        'An existing freeze file is never overwritten (exit 1). Every `stagedocs gate run` of the stage verifies the frozen inputs.',
    )
    .argument('<stage-id>', 'the stage to freeze')
    .option('--input <glob>', 'files to freeze, relative to the repository root (repeatable, at least one)', collect, [])
    .option('--decision <tag>', 'the decision note behind the freeze')
    .option('--scope <key=value>', 'a scope entry (repeatable)', collect, [])
    .option('--protocol <version>', 'the protocol version recorded in the file', '1')
    .addHelpText(
      'after',
      examples(
        'stagedocs freeze R1-S00 --input "config/*.yaml" --input data/manifest.csv',
        'stagedocs freeze R1-S00 --input protocol.md --decision D-2026-11-21-001 --scope dataset=v3 --scope seed=42',
      ),
    )
    .action(async (stageId: string, flags: FreezeFlags, command: Command) => {
      context.setExitCode(await freezeAction(stageId, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

async function freezeAction(stageId: string, flags: FreezeFlags, io: CliIo): Promise<number> {
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
  const escape = pathEscape(root, file);
  if (escape) throw new UsageError(`\`${file}\` ${describeEscape(escape)}: a freeze file is written only inside the repository; nothing was written`, `Make \`${config.paths.freeze}\` a real folder of the repository.`);

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
    throw asFileSystemError(error, file, 'write', 'no freeze file was written');
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
