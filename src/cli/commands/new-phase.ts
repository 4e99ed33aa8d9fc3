import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { examples } from '../options.js';

export interface NewPhaseFlags {
  pattern?: string;
  id?: string;
  title?: string;
  owner?: string;
  dryRun?: boolean;
  cwd?: string;
}

export function registerNewPhase(program: Command, context: CommandContext): void {
  program
    .command('new-phase')
    .summary('scaffold a phase and all the stages of a pattern')
    .description(
      'Writes stages/<slug>/phase.md and one NN-<stage>.md per stage of the pattern, with ids <phase>-S00, <phase>-S01, ..., each depending on the previous one. ' +
        'The phase gets the next free id (P1, P2, ...) unless --id is given. Patterns: mvp-backend, ui-hardening, integrations, research, empty, and your own in templates/patterns/.',
    )
    .argument('<slug>', 'folder name of the phase under stages/ (lowercase letters, digits, -)')
    .option('--pattern <name>', 'stage pattern to scaffold (asked for on a terminal when missing)')
    .option('--id <id>', 'phase id, e.g. P7 (default: the next free P<n>)')
    .option('--title <title>', "phase title (default: the pattern's)")
    .option('--owner <email>', 'owner of the phase and its stages (default: git config user.email)')
    .option('--dry-run', 'print what would be written, write nothing')
    .addHelpText(
      'after',
      examples(
        'stagedocs new-phase mvp --pattern mvp-backend',
        'stagedocs new-phase checkout-ui --pattern ui-hardening --title "Checkout UI" --id P7',
        'stagedocs new-phase ranking --pattern research --owner ana@example.com --dry-run',
      ),
    )
    .action(async (slug: string, flags: NewPhaseFlags, command: Command) => {
      const { newPhaseAction } = await import('../actions/new-phase.js');
      context.setExitCode(await newPhaseAction(slug, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}
