import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { collect, examples } from '../options.js';

export interface NewDecisionFlags {
  stage: string[];
  supersedes?: string;
  rerunOf?: string;
  owner?: string;
  dryRun?: boolean;
  cwd?: string;
}

export function registerNewDecision(program: Command, context: CommandContext): void {
  program
    .command('new-decision')
    .summary('scaffold a decision note with a fresh decision tag')
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
      const { newDecisionAction } = await import('../actions/new-decision.js');
      context.setExitCode(await newDecisionAction(title, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}
