import type { Command } from 'commander';
import { loadConfig } from '../../engine/config.js';
import { EXIT_OK } from '../../model/errors.js';
import { checkDecisionRequest, planDecision } from '../../scaffold/decision.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { collect, examples } from '../options.js';
import { required } from '../prompt.js';
import { resolveOwner, scaffoldLocked, writePlan } from '../scaffold-output.js';

interface NewDecisionFlags {
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

async function newDecisionAction(titleArgument: string | undefined, flags: NewDecisionFlags, io: CliIo): Promise<number> {
  const { root } = await commandRoot(io, flags.cwd, 'optional');
  const { config } = await loadConfig(root);
  const title = await required(io, titleArgument, 'the decision title (first argument)', 'Decision title:', 'stagedocs new-decision "Use PostgreSQL" --stage P1-S02');
  // The flags are checked before the owner is asked for, so that a typo is reported first; the tag
  // is not chosen yet (a concurrent command may take it before the lock is ours).
  const date = io.now().toISOString().slice(0, 10);
  const request = { root, config, title, stages: flags.stage, supersedes: flags.supersedes, rerunOf: flags.rerunOf, date };
  await checkDecisionRequest({ ...request, owner: 'unknown' });
  const owner = await resolveOwner(io, root, flags.owner);
  // The tag is the next free number of the day: chosen and written under the lock, so that
  // concurrent notes get distinct tags.
  return scaffoldLocked(io, root, async () => {
    const plan = await planDecision({ ...request, owner });
    await writePlan(io, root, [plan.file], flags.dryRun, plan.next);
    return EXIT_OK;
  });
}
