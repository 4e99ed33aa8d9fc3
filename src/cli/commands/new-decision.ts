import type { Command } from 'commander';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../engine/config.js';
import { EXIT_OK, UsageError } from '../../model/errors.js';
import { assertValidId } from '../../model/ids.js';
import { readExisting } from '../../scaffold/existing.js';
import { assertTitle, nextDecisionTag } from '../../scaffold/names.js';
import { renderDecision } from '../../scaffold/render.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { collect, examples } from '../options.js';
import { required } from '../prompt.js';
import { assertAbsent, resolveOwner, writePlan } from '../scaffold-output.js';

export interface NewDecisionFlags {
  stage: string[];
  supersedes?: string;
  rerunOf?: string;
  owner?: string;
  dryRun?: boolean;
  cwd?: string;
}

export function register(command: Command, context: CommandContext): void {
  command
    .description(
      'Writes decisions/D-YYYY-MM-DD-NNN.md (today, the next free number) with status proposed and the sections Context, Decision and Consequences. ' +
        'With --rerun-of, it also has a Root cause section, which validation requires to be filled in.',
    )
    .argument('[title]', 'title of the decision')
    .option('--stage <id>', 'a stage the decision is about (repeatable)', collect, [])
    .option('--supersedes <tag>', 'decision tag this one replaces')
    .option('--rerun-of <run-id>', 'gate run (gate_results/<run-id>/) whose failure this rerun answers')
    .option('--owner <email>', 'owner of the decision (default: git config user.email)')
    .option('--dry-run', 'print what would be written, write nothing')
    .addHelpText(
      'after',
      examples(
        'stagedocs new-decision "Use PostgreSQL" --stage P1-S02',
        'stagedocs new-decision "Retry the baseline with a fixed seed" --stage P2-S01 --rerun-of P2-S01_20261121T093000Z',
        'stagedocs new-decision "Switch to cursor pagination" --supersedes D-2026-11-21-001',
      ),
    )
    .action(async (title: string | undefined, flags: NewDecisionFlags, command: Command) => {
      context.setExitCode(await newDecisionAction(title, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

export async function newDecisionAction(titleArgument: string | undefined, flags: NewDecisionFlags, io: CliIo): Promise<number> {
  const { root } = await commandRoot(io, flags.cwd, 'optional');
  const { config } = await loadConfig(root);
  const existing = await readExisting(root, config);
  const title = assertTitle(await required(io, titleArgument, 'the decision title (first argument)', 'Decision title:', 'stagedocs new-decision "Use PostgreSQL" --stage P1-S02'));

  const stageIds = new Set(existing.stages.map((stage) => stage.id));
  for (const stage of flags.stage) {
    checkId(stage, '--stage');
    if (!stageIds.has(stage)) throw new UsageError(`--stage \`${stage}\` does not exist`, 'Name an existing stage id, e.g. `P1-S02` (see `stagedocs status`).');
  }
  if (new Set(flags.stage).size !== flags.stage.length) throw new UsageError('--stage names the same stage twice', 'Give each stage once.');
  if (flags.supersedes !== undefined) {
    checkId(flags.supersedes, '--supersedes');
    if (!existing.decisionTags.has(flags.supersedes)) {
      throw new UsageError(`--supersedes \`${flags.supersedes}\` is not the tag of a decision note`, `Decision notes live in ${config.paths.decisions}/; give the tag of one of them.`);
    }
  }
  if (flags.rerunOf !== undefined) checkId(flags.rerunOf, '--rerun-of');
  const owner = await resolveOwner(io, root, flags.owner);

  const date = io.now().toISOString().slice(0, 10);
  const tag = nextDecisionTag(date, existing.decisionTags, listFolder(path.join(root, config.paths.decisions)));
  const file = path.posix.join(config.paths.decisions, `${tag}.md`);
  assertAbsent((relative) => existsSync(path.join(root, relative)), file, 'Run the command again to take the next number.');

  const content = renderDecision(root, config, {
    tag,
    title,
    owner,
    date,
    stages: flags.stage,
    supersedes: flags.supersedes ?? null,
    rerunOf: flags.rerunOf ?? null,
  });
  const next = [
    `edit ${file} (${flags.rerunOf ? 'Root cause, ' : ''}Context, Decision, Consequences)`,
    ...flags.stage.map((stage) => `set \`decision: ${tag}\` in stage ${stage}`),
    'stagedocs validate',
  ];
  await writePlan(io, root, [{ path: file, content }], flags.dryRun, next);
  return EXIT_OK;
}

function checkId(value: string, flag: string): void {
  assertValidId(value, flag, { headline: () => `${flag} \`${value}\` is not an id` });
}

function listFolder(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
